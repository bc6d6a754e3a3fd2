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

const TEXT = {
  en: {
    label: "OneDrive",
    root: "OneDrive",
    search: "Search OneDrive",
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
    signIn: "Sign in to OneDrive",
    noAuth: "This Satchel cannot sign in to OneDrive (sign-in is not available in this build).",
    failed: "OneDrive did not answer",
    setupTitle: "OneDrive is not set up yet",
    setupIntro: "Satchel cannot ship a Microsoft application ID. Register an application (“Mobile and desktop applications” platform), then add its application (client) ID to the config:",
    setupWhere: "Register it at",
    setupFile: "Put this in ~/.config/satchel/config.toml (or the policy) and open Satchel again:",
  },
  de: {
    label: "OneDrive",
    root: "OneDrive",
    search: "In OneDrive suchen",
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
    signIn: "Bei OneDrive anmelden",
    noAuth: "Dieses Satchel kann sich nicht bei OneDrive anmelden (die Anmeldung fehlt in diesem Build).",
    failed: "OneDrive hat nicht geantwortet",
    setupTitle: "OneDrive ist noch nicht eingerichtet",
    setupIntro: "Satchel kann keine Microsoft-Anwendungs-ID mitliefern. Registrieren Sie eine Anwendung (Plattform „Mobile und Desktopanwendungen“) und tragen Sie ihre Anwendungs-(Client-)ID in die Konfiguration ein:",
    setupWhere: "Registrieren unter",
    setupFile: "Tragen Sie dies in ~/.config/satchel/config.toml (oder die Policy) ein und öffnen Sie Satchel neu:",
  },
};

const DEFAULT_API = "https://graph.microsoft.com";

/** Microsoft Graph's drive items as this pane uses them. */
function makeBackend(api, token, t) {
  async function graph(url) {
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

export default {
  label: "OneDrive",
  name: "onedrive",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="currentColor" d="M10 6a6 6 0 0 1 5.6 3.8A4.5 4.5 0 0 1 21.5 14 3.5 3.5 0 0 1 20 20.8V21H6.5a4.5 4.5 0 0 1-1-8.9A6 6 0 0 1 10 6z"/></svg>',

  mounted(element, actions) {
    const t = words();
    element.append(h("style", { text: STYLE }));
    const settings = actions.provider || {};
    if (settings.missing) return setupPane(element, t, settings.missing);
    const api = (settings.base && settings.base.api) || DEFAULT_API;
    const section = h("section", { class: "sp", "aria-label": t.label });
    element.append(section);
    if (!actions.auth) {
      section.append(h("p", { class: "status error", role: "alert", text: t.noAuth }));
      return;
    }
    const backend = makeBackend(api, () => actions.auth.token(), t);

    const trail = [backend.root(t)];
    const chosen = new Map();
    let listing = null; // how to fetch the list's next page

    const status = h("p", { class: "status", role: "status", "aria-live": "polite", "data-testid": "provider-status" });
    const crumbs = h("ol");
    const list = h("ul", { class: "items", "aria-label": t.label, "data-testid": "provider-items" });
    const more = h("button", { type: "button", hidden: "", onclick: () => load(listing) }, t.more);
    const input = h("input", { type: "search", name: "query", "aria-label": t.search, placeholder: t.search });
    const add = h("button", { type: "button", class: "primary", disabled: "", "data-testid": "provider-add", onclick: addChosen }, t.add(0));

    // Satchel mounts this source once it is signed in (the pane's sign-in
    // bar signs in and out); signing in again is offered here only if the
    // token stopped working meanwhile.
    async function start() {
      section.replaceChildren();
      try {
        await actions.auth.token();
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
              if (text) void load(() => backend.search(text), true);
            },
          },
          input,
          h("button", { type: "submit" }, t.go),
        ),
        h("nav", { "aria-label": t.path }, crumbs),
        status,
        list,
        more,
        h("footer", {}, add),
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
      void load(() => backend.list(trail[depth]), false);
    }

    // `page` fetches one page: {items: [{id, name, folder, size, type, raw}], next}.
    async function load(page, searching) {
      const first = page !== listing;
      if (first) list.replaceChildren();
      status.classList.remove("error");
      status.textContent = t.loading;
      try {
        const body = await page();
        listing = body.next || null;
        for (const item of body.items) list.append(row(item));
        const n = list.children.length;
        status.textContent = n ? t.items(n) : searching ? t.none : t.empty;
        more.hidden = !listing;
      } catch (error) {
        status.classList.add("error");
        status.textContent = error.message;
      }
    }

    function row(item) {
      const button = h(
        "button",
        {
          type: "button",
          "data-id": item.id,
          "data-name": item.name,
          "aria-pressed": item.folder ? null : String(chosen.has(item.id)),
          onclick: () => {
            if (item.folder) {
              trail.push(item);
              return open(trail.length - 1);
            }
            if (chosen.has(item.id)) chosen.delete(item.id);
            else chosen.set(item.id, item);
            button.setAttribute("aria-pressed", String(chosen.has(item.id)));
            refresh();
          },
        },
        h("span", { class: "name", text: item.name }),
        h("span", { class: "kind", text: item.folder ? t.folder : "" }),
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
        for (const item of chosen.values()) await actions.addCustomUrl(await backend.download(item));
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
