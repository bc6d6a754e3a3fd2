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

const TEXT = {
  en: {
    label: "Google Drive",
    root: "My Drive",
    search: "Search Drive",
    go: "Search",
    loading: "Loading…",
    empty: "This folder is empty.",
    none: "Nothing found.",
    items: (n) => (n === 1 ? "1 item" : `${n} items`),
    add: (n) => (n === 0 ? "Add" : `Add ${n}`),
    adding: "Adding…",
    more: "More",
    folder: "Folder",
    path: "Folder path",
    exportAs: "Google Docs as",
    pdf: "PDF",
    office: "Word, Excel, PowerPoint",
    signIn: "Sign in to Google Drive",
    noAuth: "This Satchel cannot sign in to Google Drive (sign-in is not available in this build).",
    failed: "Google Drive did not answer",
    setupTitle: "Google Drive is not set up yet",
    setupIntro: "Satchel cannot ship a Google client ID. Create an OAuth client of type “Desktop app”, then add its client ID to the config:",
    setupWhere: "Create it at",
    setupFile: "Put this in ~/.config/satchel/config.toml (or the policy) and open Satchel again:",
  },
  de: {
    label: "Google Drive",
    root: "Meine Ablage",
    search: "In Drive suchen",
    go: "Suchen",
    loading: "Wird geladen…",
    empty: "Dieser Ordner ist leer.",
    none: "Nichts gefunden.",
    items: (n) => (n === 1 ? "1 Eintrag" : `${n} Einträge`),
    add: (n) => (n === 0 ? "Hinzufügen" : `${n} hinzufügen`),
    adding: "Wird hinzugefügt…",
    more: "Mehr",
    folder: "Ordner",
    path: "Ordnerpfad",
    exportAs: "Google-Dokumente als",
    pdf: "PDF",
    office: "Word, Excel, PowerPoint",
    signIn: "Bei Google Drive anmelden",
    noAuth: "Dieses Satchel kann sich nicht bei Google Drive anmelden (die Anmeldung fehlt in diesem Build).",
    failed: "Google Drive hat nicht geantwortet",
    setupTitle: "Google Drive ist noch nicht eingerichtet",
    setupIntro: "Satchel kann keine Google-Client-ID mitliefern. Legen Sie einen OAuth-Client vom Typ „Desktop-App“ an und tragen Sie seine Client-ID in die Konfiguration ein:",
    setupWhere: "Anlegen unter",
    setupFile: "Tragen Sie dies in ~/.config/satchel/config.toml (oder die Policy) ein und öffnen Sie Satchel neu:",
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

const STYLE = `
.sp { display: flex; flex-direction: column; gap: .6rem; padding: .75rem; font-family: var(--satchel-font); color: var(--satchel-fg); }
.sp form { display: flex; gap: .5rem; }
.sp input[type=search] { flex: 1; }
.sp .status { color: var(--satchel-muted); margin: 0; min-height: 1.2em; }
.sp .status.error { color: var(--satchel-error); }
.sp nav ol { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; }
.sp nav li + li::before { content: "›"; color: var(--satchel-muted); margin-right: .25rem; }
.sp nav button { border: none; background: none; padding: .1rem .25rem; color: var(--satchel-accent); }
.sp ul.items { list-style: none; margin: 0; padding: 0; border: 1px solid var(--satchel-line); border-radius: var(--satchel-radius); }
.sp ul.items li + li { border-top: 1px solid var(--satchel-line); }
.sp ul.items button { display: flex; gap: .5rem; width: 100%; border: none; border-radius: 0; background: none; padding: .45rem .6rem; text-align: left; color: var(--satchel-fg); }
.sp ul.items button:hover { background: var(--satchel-hover); }
.sp ul.items button[aria-pressed=true] { background: var(--satchel-accent); color: var(--satchel-on-accent); }
.sp ul.items .name { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sp ul.items .kind { color: inherit; opacity: .7; font-size: .85em; }
.sp footer { display: flex; gap: .5rem; align-items: center; justify-content: flex-end; flex-wrap: wrap; }
.sp pre { background: var(--satchel-hover); border: 1px solid var(--satchel-line); border-radius: var(--satchel-radius); padding: .5rem; user-select: all; }
`;

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function words() {
  const lang = (document.documentElement.lang || navigator.language || "en").slice(0, 2).toLowerCase();
  return TEXT[lang] || TEXT.en;
}

function setupPane(element, t, missing) {
  element.append(
    h(
      "section",
      { class: "sp", "data-testid": "provider-setup", "aria-labelledby": "setup-title" },
      h("h2", { id: "setup-title", text: t.setupTitle }),
      h("p", { text: t.setupIntro }),
      h("p", {}, `${t.setupWhere} `, h("a", { href: missing.register, target: "_blank", rel: "noreferrer", text: missing.register })),
      h("p", { text: t.setupFile }),
      h("pre", { "data-testid": "provider-setup-snippet", text: missing.snippet }),
    ),
  );
}

/** A Drive query string literal: backslashes and quotes escaped. */
const literal = (text) => `'${String(text).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export default {
  label: "Google Drive",
  name: "googledrive",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="currentColor" d="M7.7 3h8.6l6.1 10.6-4.3 7.4H5.9l-4.3-7.4L7.7 3zm1.2 2-4.9 8.6 2.2 3.8L11.1 8.8 8.9 5zm4.4 0 4.9 8.6h4.3L17.6 5h-4.3zM7.1 19h10l2.2-3.8H9.3L7.1 19z"/></svg>',

  mounted(element, actions) {
    const t = words();
    element.append(h("style", { text: STYLE }));
    const settings = actions.provider || {};
    if (settings.missing) return setupPane(element, t, settings.missing);
    const api = (settings.base && settings.base.api) || "https://www.googleapis.com";
    const section = h("section", { class: "sp", "aria-label": t.label });
    element.append(section);
    if (!actions.auth) {
      section.append(h("p", { class: "status error", role: "alert", text: t.noAuth }));
      return;
    }

    const trail = [{ id: "root", name: t.root }];
    const chosen = new Map();
    let listing = null; // {query, pageToken} of what the list shows

    const status = h("p", { class: "status", role: "status", "aria-live": "polite", "data-testid": "provider-status" });
    const crumbs = h("ol");
    const list = h("ul", { class: "items", "aria-label": t.label, "data-testid": "provider-items" });
    const more = h("button", { type: "button", hidden: "", onclick: () => load(listing.query, listing.pageToken) }, t.more);
    const input = h("input", { type: "search", name: "query", "aria-label": t.search, placeholder: t.search });
    const format = h(
      "select",
      { id: "drive-export", "data-testid": "provider-export" },
      h("option", { value: "pdf", text: t.pdf }),
      h("option", { value: "office", text: t.office }),
    );
    const add = h("button", { type: "button", class: "primary", disabled: "", "data-testid": "provider-add", onclick: addChosen }, t.add(0));

    async function token() {
      return actions.auth.token();
    }

    async function drive(path, params) {
      const url = new URL(`${api}/drive/v3/${path}`);
      for (const [key, value] of Object.entries(params || {})) if (value !== undefined) url.searchParams.set(key, value);
      const response = await fetch(url, { headers: { Authorization: `Bearer ${await token()}` } });
      if (!response.ok) {
        let message = `${t.failed} (${response.status})`;
        try {
          message = (await response.json()).error.message || message;
        } catch (_) {}
        throw new Error(message);
      }
      return response.json();
    }

    // Satchel mounts this source once it is signed in (the pane's sign-in
    // bar signs in and out); signing in again is offered here only if the
    // token stopped working meanwhile.
    async function start() {
      section.replaceChildren();
      try {
        await token();
      } catch (_) {
        const button = h(
          "button",
          {
            type: "button",
            class: "primary",
            "data-testid": "provider-sign-in",
            onclick: async () => {
              button.disabled = true;
              try {
                await actions.auth.signIn();
                await start();
              } catch (error) {
                button.disabled = false;
                status.classList.add("error");
                status.textContent = error.message;
              }
            },
          },
          t.signIn,
        );
        section.append(button, status);
        return;
      }
      section.append(
        h(
          "form",
          {
            role: "search",
            onsubmit: (event) => {
              event.preventDefault();
              const text = input.value.trim();
              if (text) void load(`name contains ${literal(text)} and trashed=false`);
            },
          },
          input,
          h("button", { type: "submit" }, t.go),
        ),
        h("nav", { "aria-label": t.path }, crumbs),
        status,
        list,
        more,
        h("footer", {}, h("label", {}, `${t.exportAs} `, format), add),
      );
      open(trail.length - 1);
    }

    function open(depth) {
      trail.length = depth + 1;
      crumbs.replaceChildren(
        ...trail.map((folder, i) =>
          h("li", {}, h("button", { type: "button", "aria-current": i === depth ? "location" : null, onclick: () => open(i) }, folder.name)),
        ),
      );
      void load(`${literal(trail[depth].id)} in parents and trashed=false`);
    }

    async function load(query, pageToken) {
      if (!pageToken) list.replaceChildren();
      status.classList.remove("error");
      status.textContent = t.loading;
      try {
        const body = await drive("files", { q: query, fields: FIELDS, pageSize: "100", orderBy: "folder,name", pageToken });
        listing = { query, pageToken: body.nextPageToken };
        for (const file of body.files || []) list.append(row(file));
        const n = list.children.length;
        status.textContent = n ? t.items(n) : query.includes(" in parents") ? t.empty : t.none;
        more.hidden = !body.nextPageToken;
      } catch (error) {
        status.classList.add("error");
        status.textContent = error.message;
      }
    }

    function row(file) {
      const folder = file.mimeType === FOLDER;
      const button = h(
        "button",
        {
          type: "button",
          "data-id": file.id,
          "data-name": file.name,
          "aria-pressed": folder ? null : String(chosen.has(file.id)),
          onclick: () => {
            if (folder) {
              trail.push({ id: file.id, name: file.name });
              return open(trail.length - 1);
            }
            if (chosen.has(file.id)) chosen.delete(file.id);
            else chosen.set(file.id, file);
            button.setAttribute("aria-pressed", String(chosen.has(file.id)));
            refresh();
          },
        },
        h("span", { class: "name", text: file.name }),
        h("span", { class: "kind", text: folder ? t.folder : EXPORTS[file.mimeType] ? "Google" : "" }),
      );
      return h("li", {}, button);
    }

    function refresh() {
      add.textContent = t.add(chosen.size);
      add.disabled = chosen.size === 0;
    }

    async function addChosen() {
      add.disabled = true;
      status.classList.remove("error");
      status.textContent = t.adding;
      try {
        for (const file of chosen.values()) {
          const id = encodeURIComponent(file.id);
          const exported = EXPORTS[file.mimeType];
          if (exported) {
            const [type, extension] = exported[format.value];
            await actions.addCustomUrl({
              url: `${api}/drive/v3/files/${id}/export?mimeType=${encodeURIComponent(type)}`,
              type,
              filename: file.name.endsWith(extension) ? file.name : `${file.name}${extension}`,
            });
          } else {
            await actions.addCustomUrl({
              url: `${api}/drive/v3/files/${id}?alt=media`,
              type: file.mimeType || "application/octet-stream",
              filename: file.name,
            });
          }
        }
        chosen.clear();
        await actions.showSummaryView();
      } catch (error) {
        status.classList.add("error");
        status.textContent = error.message;
        refresh();
      }
    }

    return start();
  },

  unmounted() {},
};
