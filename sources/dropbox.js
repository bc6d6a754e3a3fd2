// Dropbox, shipped with Satchel: browse folders, search, and pick files.
//
// Written to Filestack's Custom Source API with two Satchel extensions:
// `actions.provider` (base URLs, or what the config lacks) and `actions.auth`
// (sign-in in the system browser; `token()` resolves the access token).
//
// Dropbox API v2, RPC endpoints (POST, JSON body) on api.dropboxapi.com/2:
// `files/list_folder` and `files/list_folder/continue` to browse,
// `files/search_v2` and `files/search/continue_v2` to search, and
// `files/get_temporary_link` for a picked file: the file is added by that
// link (valid four hours, no token needed), so no token is kept with it.

import { answer, browse } from "./kit/pane.js";

const TEXT = {
  en: {
    label: "Dropbox",
    root: "Dropbox",
    search: "Search Dropbox",
    signIn: "Sign in to Dropbox",
    noAuth: "This Satchel cannot sign in to Dropbox (sign-in is not available in this build).",
    failed: "Dropbox did not answer",
    setupTitle: "Dropbox is not set up yet",
    setupIntro: "Satchel cannot ship a Dropbox app key. Create a Dropbox app (scoped access), then add its app key as the client ID to the config:",
    setupWhere: "Create it at",
  },
  de: {
    label: "Dropbox",
    root: "Dropbox",
    search: "In Dropbox suchen",
    signIn: "Bei Dropbox anmelden",
    noAuth: "Dieses Satchel kann sich nicht bei Dropbox anmelden (die Anmeldung fehlt in diesem Build).",
    failed: "Dropbox hat nicht geantwortet",
    setupTitle: "Dropbox ist noch nicht eingerichtet",
    setupIntro: "Satchel kann keinen Dropbox-App-Key mitliefern. Legen Sie eine Dropbox-App an (Scoped access) und tragen Sie ihren App-Key als Client-ID in die Konfiguration ein:",
    setupWhere: "Anlegen unter",
  },
};

const DEFAULT_API = "https://api.dropboxapi.com";

// Dropbox's metadata has no media type: a picked file's is guessed from its
// extension (Satchel sniffs the bytes again when the file lands).
const TYPES = {
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", svg: "image/svg+xml",
  heic: "image/heic", pdf: "application/pdf", txt: "text/plain", md: "text/markdown", csv: "text/csv", json: "application/json",
  zip: "application/zip", mp4: "video/mp4", mov: "video/quicktime", mp3: "audio/mpeg", wav: "audio/wav",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};
const typeOf = (name) => TYPES[(name.split(".").pop() || "").toLowerCase()] || "application/octet-stream";

/** The Dropbox API as this pane uses it. */
function makeBackend(api, token, t) {
  async function rpc(endpoint, body) {
    const response = await fetch(`${api}/2/${endpoint}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${await token()}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return answer(response, t, (reply) => reply.error_summary);
  }
  const item = (entry) => ({
    id: entry.id || entry.path_lower,
    name: entry.name,
    folder: entry[".tag"] === "folder",
    path: entry.path_lower,
  });
  const listed = (endpoint) => async (body) => {
    const answer = await rpc(endpoint, body);
    return {
      items: (answer.entries || []).map(item),
      next: answer.has_more ? () => listed("files/list_folder/continue")({ cursor: answer.cursor }) : null,
    };
  };
  const searched = (endpoint) => async (body) => {
    const answer = await rpc(endpoint, body);
    const entries = (answer.matches || []).map((m) => m.metadata && m.metadata.metadata).filter(Boolean);
    return {
      items: entries.map(item),
      next: answer.has_more ? () => searched("files/search/continue_v2")({ cursor: answer.cursor }) : null,
    };
  };
  return {
    root: (words) => ({ id: "", path: "", name: words.root, folder: true }),
    list: (folder) => listed("files/list_folder")({ path: folder.path, limit: 200 }),
    search: (text) => searched("files/search_v2")({ query: text, options: { max_results: 100, file_status: "active" } }),
    async download(file) {
      const answer = await rpc("files/get_temporary_link", { path: file.path || file.id });
      return { url: answer.link, type: typeOf(file.name), filename: file.name };
    },
  };
}

export default {
  label: "Dropbox",
  name: "dropbox",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="currentColor" d="M6 2 0 6l6 4-6 4 6 4 6-4-6-4 6-4-6-4zm12 0-6 4 6 4-6 4 6 4 6-4-6-4 6-4-6-4zM6 19.5l6 4 6-4-6-4-6 4z"/></svg>',

  mounted(element, actions) {
    return browse(element, actions, { texts: TEXT, api: DEFAULT_API, backend: makeBackend });
  },

  unmounted() {},
};
