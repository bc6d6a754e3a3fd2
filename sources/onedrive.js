// OneDrive, shipped with Satchel: browse folders, search, and pick files.
//
// Written to Filestack's Custom Source API with two Satchel extensions:
// `actions.provider` (base URLs, or what the config lacks) and `actions.auth`
// (sign-in in the system browser; `token()` resolves the access token).
//
// Microsoft Graph v1.0 drive items: `/me/drive/root/children`,
// `/me/drive/items/{id}/children`, `/me/drive/root/search(q='…')`, paged by
// `@odata.nextLink`. A picked file is added by its
// `@microsoft.graph.downloadUrl` (pre-authenticated, short-lived), else by
// `/me/drive/items/{id}/content`, which Rust fetches with the bearer token.

import { answer, browse } from "./kit/pane.js";

const TEXT = {
  en: {
    label: "OneDrive",
    root: "OneDrive",
    search: "Search OneDrive",
    signIn: "Sign in to OneDrive",
    noAuth: "This Satchel cannot sign in to OneDrive (sign-in is not available in this build).",
    failed: "OneDrive did not answer",
    setupTitle: "OneDrive is not set up yet",
    setupIntro: "Satchel cannot ship a Microsoft application ID. Register an application (“Mobile and desktop applications” platform), then add its application (client) ID to the config:",
    setupWhere: "Register it at",
  },
  de: {
    label: "OneDrive",
    root: "OneDrive",
    search: "In OneDrive suchen",
    signIn: "Bei OneDrive anmelden",
    noAuth: "Dieses Satchel kann sich nicht bei OneDrive anmelden (die Anmeldung fehlt in diesem Build).",
    failed: "OneDrive hat nicht geantwortet",
    setupTitle: "OneDrive ist noch nicht eingerichtet",
    setupIntro: "Satchel kann keine Microsoft-Anwendungs-ID mitliefern. Registrieren Sie eine Anwendung (Plattform „Mobile und Desktopanwendungen“) und tragen Sie ihre Anwendungs-(Client-)ID in die Konfiguration ein:",
    setupWhere: "Registrieren unter",
  },
};

const DEFAULT_API = "https://graph.microsoft.com";

/** Microsoft Graph's drive items as this pane uses them. */
function makeBackend(api, token, t) {
  async function graph(url) {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${await token()}` } });
    return answer(response, t, (reply) => reply.error.message);
  }
  // Only links back to Graph itself are followed for the next page.
  const page = async (url) => {
    const answer = await graph(url);
    const next = answer["@odata.nextLink"];
    return {
      items: (answer.value || []).map((entry) => ({
        id: entry.id,
        name: entry.name,
        folder: Boolean(entry.folder),
        type: (entry.file && entry.file.mimeType) || "application/octet-stream",
        download: entry["@microsoft.graph.downloadUrl"],
      })),
      next: typeof next === "string" && next.startsWith(`${api}/`) ? () => page(next) : null,
    };
  };
  const drive = `${api}/v1.0/me/drive`;
  return {
    root: (words) => ({ id: null, name: words.root, folder: true }),
    list: (folder) => page(folder.id ? `${drive}/items/${encodeURIComponent(folder.id)}/children?$top=200` : `${drive}/root/children?$top=200`),
    // OData string literal: a quote is doubled.
    search: (text) => page(`${drive}/root/search(q='${encodeURIComponent(text.replace(/'/g, "''"))}')?$top=200`),
    async download(file) {
      const url = file.download || `${drive}/items/${encodeURIComponent(file.id)}/content`;
      return { url, type: file.type, filename: file.name };
    },
  };
}

export default {
  label: "OneDrive",
  name: "onedrive",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="currentColor" d="M10 6a6 6 0 0 1 5.6 3.8A4.5 4.5 0 0 1 21.5 14 3.5 3.5 0 0 1 20 20.8V21H6.5a4.5 4.5 0 0 1-1-8.9A6 6 0 0 1 10 6z"/></svg>',

  mounted(element, actions) {
    return browse(element, actions, { texts: TEXT, api: DEFAULT_API, backend: makeBackend });
  },

  unmounted() {},
};
