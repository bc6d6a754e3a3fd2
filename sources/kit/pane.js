// The pane Satchel's shipped sources share: the folder browser (breadcrumb,
// search form, list, selection, More and Add), the setup pane shown until the
// config names what a provider needs, and the little DOM helper they use.
//
// Only shipped sources get this module: their frame embeds it and turns
// `import … from "./kit/pane.js"` into the frame's own blob: URL for it
// (src-tauri/frame/mod.rs, shim.js). A source keeps only what is its own:
// how to list a folder, search, and turn an item into a file; its name,
// label, icon and texts.

/** An element: `text` sets its text, `on…` adds a listener, any other prop is an attribute. */
export function h(tag, props = {}, ...children) {
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

/** The words every shipped source says alike; a source's own texts add to them and win. */
const WORDS = {
  en: {
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
    setupFile: "Put this in ~/.config/satchel/config.toml (or the policy) and open Satchel again:",
  },
  de: {
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
    setupFile: "Tragen Sie dies in ~/.config/satchel/config.toml (oder die Policy) ein und öffnen Sie Satchel neu:",
  },
};

/** A source's texts (by language) in the frame's language (`<html lang>`), else English. */
export function words(texts) {
  const lang = (document.documentElement.lang || navigator.language || "en").slice(0, 2).toLowerCase();
  const known = texts[lang] ? lang : "en";
  return { ...WORDS[known], ...texts[known] };
}

/**
 * The JSON a provider answered, or an Error saying why not: the provider's
 * own reason (`reason(body)` of its error body), else "failed (status)".
 */
export async function answer(response, t, reason) {
  if (!response.ok) {
    let message = `${t.failed} (${response.status})`;
    try {
      message = reason(await response.json()) || message;
    } catch (_) {}
    throw new Error(message);
  }
  return response.json();
}

/** The pane a source shows until its config names what it needs. */
export function setupPane(element, t, missing) {
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

/**
 * What is picked, the status line and the Add button: `toggle(id, item)`
 * picks or unpicks an item and says whether it is picked now; Add hands each
 * picked item to `addOne(item)` (which adds it to the picker), then shows
 * the summary.
 */
export function selection(t, actions, addOne) {
  const chosen = new Map();
  const status = h("p", { class: "status", role: "status", "aria-live": "polite", "data-testid": "provider-status" });
  const add = h("button", { type: "button", class: "primary", disabled: "", "data-testid": "provider-add", onclick: addChosen }, t.add(0));

  function refresh() {
    add.textContent = t.add(chosen.size);
    add.disabled = chosen.size === 0;
  }

  async function addChosen() {
    add.disabled = true;
    status.classList.remove("error");
    status.textContent = t.adding;
    try {
      for (const item of chosen.values()) await addOne(item);
      chosen.clear();
      await actions.showSummaryView();
    } catch (error) {
      status.classList.add("error");
      status.textContent = error.message;
      refresh();
    }
  }

  return {
    status,
    add,
    has: (id) => chosen.has(id),
    toggle(id, item) {
      if (chosen.has(id)) chosen.delete(id);
      else chosen.set(id, item);
      refresh();
      return chosen.has(id);
    },
    clear() {
      chosen.clear();
      refresh();
    },
  };
}

/**
 * A drive that signs in, as a folder browser: `mounted(element, actions)` of
 * a shipped source. `texts` are the source's words by language, over
 * WORDS (label, root, search, signIn, noAuth, failed, setup…: see
 * dropbox.js); `api` is its API's origin when
 * `actions.provider.base.api` names none; `backend(api, token, t)` is the
 * provider's own part:
 *   root(t)         the top folder, {id, name, folder: true, …}
 *   list(folder)    one page: {items: [{id, name, folder, …}], next: () => page | null}
 *   search(text)    one page of results, the same way
 *   download(item)  what `addCustomUrl` gets for a picked file
 *   kind(item)      optional: the short word shown beside a file
 *   footer          optional: elements shown before the Add button
 */
export function browse(element, actions, { texts, api: defaultApi, backend: makeBackend }) {
  const t = words(texts);
  element.append(h("style", { text: STYLE }));
  const settings = actions.provider || {};
  if (settings.missing) return setupPane(element, t, settings.missing);
  const api = (settings.base && settings.base.api) || defaultApi;
  const section = h("section", { class: "sp", "aria-label": t.label });
  element.append(section);
  if (!actions.auth) {
    section.append(h("p", { class: "status error", role: "alert", text: t.noAuth }));
    return;
  }
  const backend = makeBackend(api, () => actions.auth.token(), t);

  const trail = [backend.root(t)];
  let listing = null; // how to fetch the list's next page

  const picked = selection(t, actions, async (item) => actions.addCustomUrl(await backend.download(item)));
  const { status, add } = picked;
  const crumbs = h("ol");
  const list = h("ul", { class: "items", "aria-label": t.label, "data-testid": "provider-items" });
  const more = h("button", { type: "button", hidden: "", onclick: () => load(listing) }, t.more);
  const input = h("input", { type: "search", name: "query", "aria-label": t.search, placeholder: t.search });

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
      h("footer", {}, ...(backend.footer || []), add),
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

  // `page` fetches one page: {items, next}.
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
        "aria-pressed": item.folder ? null : String(picked.has(item.id)),
        onclick: () => {
          if (item.folder) {
            trail.push(item);
            return open(trail.length - 1);
          }
          button.setAttribute("aria-pressed", String(picked.toggle(item.id, item)));
        },
      },
      h("span", { class: "name", text: item.name }),
      h("span", { class: "kind", text: item.folder ? t.folder : backend.kind ? backend.kind(item) : "" }),
    );
    return h("li", {}, button);
  }

  return start();
}
