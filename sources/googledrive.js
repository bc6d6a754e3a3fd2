// Google Drive, shipped with Satchel: browse folders, search, pick files, and
// export Google Docs, Sheets and Slides.
//
// Written to Filestack's Custom Source API with two Satchel extensions:
// `actions.provider` (base URLs, or what the config lacks) and `actions.auth`
// (sign-in in the system browser; `token()` resolves the access token).
// Files are added with `addCustomUrl` and no Authorization header: Rust adds
// the bearer token to requests to this source's own origins when it fetches
// them, so no token is kept with the queued file.
//
// Drive API v3: files.list (`q='<id>' in parents and trashed=false`, or
// `name contains '<text>'`), files.get `?alt=media`, files.export `?mimeType=`.

import { answer, browse, h } from "./kit/pane.js";

const TEXT = {
  en: {
    label: "Google Drive",
    root: "My Drive",
    search: "Search Drive",
    exportAs: "Google Docs as",
    pdf: "PDF",
    office: "Word, Excel, PowerPoint",
    signIn: "Sign in to Google Drive",
    noAuth: "This Satchel cannot sign in to Google Drive (sign-in is not available in this build).",
    failed: "Google Drive did not answer",
    setupTitle: "Google Drive is not set up yet",
    setupIntro: "Satchel cannot ship a Google client ID. Create an OAuth client of type “Desktop app”, then add its client ID to the config:",
    setupWhere: "Create it at",
  },
  de: {
    label: "Google Drive",
    root: "Meine Ablage",
    search: "In Drive suchen",
    exportAs: "Google-Dokumente als",
    pdf: "PDF",
    office: "Word, Excel, PowerPoint",
    signIn: "Bei Google Drive anmelden",
    noAuth: "Dieses Satchel kann sich nicht bei Google Drive anmelden (die Anmeldung fehlt in diesem Build).",
    failed: "Google Drive hat nicht geantwortet",
    setupTitle: "Google Drive ist noch nicht eingerichtet",
    setupIntro: "Satchel kann keine Google-Client-ID mitliefern. Legen Sie einen OAuth-Client vom Typ „Desktop-App“ an und tragen Sie seine Client-ID in die Konfiguration ein:",
    setupWhere: "Anlegen unter",
  },
};

const FOLDER = "application/vnd.google-apps.folder";
// Google's own formats cannot be downloaded, only exported: to PDF, or to
// the matching Office format.
const EXPORTS = {
  "application/vnd.google-apps.document": {
    pdf: ["application/pdf", ".pdf"],
    office: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"],
  },
  "application/vnd.google-apps.spreadsheet": {
    pdf: ["application/pdf", ".pdf"],
    office: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"],
  },
  "application/vnd.google-apps.presentation": {
    pdf: ["application/pdf", ".pdf"],
    office: ["application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"],
  },
  "application/vnd.google-apps.drawing": {
    pdf: ["application/pdf", ".pdf"],
    office: ["image/png", ".png"],
  },
};
const FIELDS = "nextPageToken,files(id,name,mimeType,size,modifiedTime)";

/** A Drive query string literal: backslashes and quotes escaped. */
const literal = (text) => `'${String(text).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** Drive's files as this pane uses them, and the format Google's own documents are exported to. */
function makeBackend(api, token, t) {
  async function drive(path, params) {
    const url = new URL(`${api}/drive/v3/${path}`);
    for (const [key, value] of Object.entries(params || {})) if (value !== undefined) url.searchParams.set(key, value);
    const response = await fetch(url, { headers: { Authorization: `Bearer ${await token()}` } });
    return answer(response, t, (reply) => reply.error.message);
  }
  const page = async (query, pageToken) => {
    const body = await drive("files", { q: query, fields: FIELDS, pageSize: "100", orderBy: "folder,name", pageToken });
    return {
      items: (body.files || []).map((file) => ({ ...file, folder: file.mimeType === FOLDER })),
      next: body.nextPageToken ? () => page(query, body.nextPageToken) : null,
    };
  };
  const format = h(
    "select",
    { id: "drive-export", "data-testid": "provider-export" },
    h("option", { value: "pdf", text: t.pdf }),
    h("option", { value: "office", text: t.office }),
  );
  return {
    root: (words) => ({ id: "root", name: words.root, folder: true }),
    list: (folder) => page(`${literal(folder.id)} in parents and trashed=false`),
    search: (text) => page(`name contains ${literal(text)} and trashed=false`),
    kind: (file) => (EXPORTS[file.mimeType] ? "Google" : ""),
    footer: [h("label", {}, `${t.exportAs} `, format)],
    download(file) {
      const id = encodeURIComponent(file.id);
      const exported = EXPORTS[file.mimeType];
      if (exported) {
        const [type, extension] = exported[format.value];
        return {
          url: `${api}/drive/v3/files/${id}/export?mimeType=${encodeURIComponent(type)}`,
          type,
          filename: file.name.endsWith(extension) ? file.name : `${file.name}${extension}`,
        };
      }
      return { url: `${api}/drive/v3/files/${id}?alt=media`, type: file.mimeType || "application/octet-stream", filename: file.name };
    },
  };
}

export default {
  label: "Google Drive",
  name: "googledrive",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="currentColor" d="M7.7 3h8.6l6.1 10.6-4.3 7.4H5.9l-4.3-7.4L7.7 3zm1.2 2-4.9 8.6 2.2 3.8L11.1 8.8 8.9 5zm4.4 0 4.9 8.6h4.3L17.6 5h-4.3zM7.1 19h10l2.2-3.8H9.3L7.1 19z"/></svg>',

  mounted(element, actions) {
    return browse(element, actions, { texts: TEXT, api: "https://www.googleapis.com", backend: makeBackend });
  },

  unmounted() {},
};
