// Unsplash, shipped with Satchel: search photos and pick them.
//
// Written to Filestack's Custom Source API. Satchel hands a shipped source its
// settings in `actions.provider` (a Satchel extension): `base.api` (the API's
// origin), `accessKey` (from `[providers.unsplash] access_key` in the
// config), or `missing` when the config lacks it.
//
// Unsplash's API guidelines, kept here: every request carries
// `Authorization: Client-ID <access key>`; photos are shown from the URLs the
// API returns (hotlinked); when a photo is picked, its
// `links.download_location` is requested (the download-tracking rule); each
// photo is credited to its photographer and to Unsplash.

import { h, selection, setupPane, words } from "./kit/pane.js";

const TEXT = {
  en: {
    search: "Search photos",
    searching: "Searching…",
    none: "No photos found.",
    found: (n) => (n === 1 ? "1 photo" : `${n} photos`),
    by: "Photo by",
    on: "on",
    more: "More photos",
    failed: "Unsplash did not answer",
    setupTitle: "Unsplash is not set up yet",
    setupIntro: "Satchel cannot ship an Unsplash access key. Register an application, then add its access key to the config:",
    setupWhere: "Register at",
  },
  de: {
    search: "Fotos suchen",
    searching: "Suche…",
    none: "Keine Fotos gefunden.",
    found: (n) => (n === 1 ? "1 Foto" : `${n} Fotos`),
    by: "Foto von",
    on: "auf",
    more: "Weitere Fotos",
    failed: "Unsplash hat nicht geantwortet",
    setupTitle: "Unsplash ist noch nicht eingerichtet",
    setupIntro: "Satchel kann keinen Unsplash-Zugangsschlüssel mitliefern. Registrieren Sie eine Anwendung und tragen Sie ihren Access Key in die Konfiguration ein:",
    setupWhere: "Registrieren unter",
  },
};

const STYLE = `
.sp { display: flex; flex-direction: column; gap: .75rem; padding: .75rem; font-family: var(--satchel-font); color: var(--satchel-fg); }
.sp form { display: flex; gap: .5rem; }
.sp input[type=search] { flex: 1; }
.sp .status { color: var(--satchel-muted); margin: 0; min-height: 1.2em; }
.sp .error { color: var(--satchel-error); }
.sp ul { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .5rem; }
.sp li button { display: block; width: 100%; padding: 0; border: 2px solid var(--satchel-line); border-radius: var(--satchel-radius); background: var(--satchel-bg); overflow: hidden; text-align: left; }
.sp li button[aria-pressed=true] { border-color: var(--satchel-accent); outline: 2px solid var(--satchel-accent); }
.sp li img { display: block; width: 100%; height: 6rem; object-fit: cover; background: var(--satchel-hover); }
.sp li .credit { display: block; padding: .25rem .4rem; font-size: .8em; color: var(--satchel-muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.sp footer { display: flex; gap: .5rem; align-items: center; justify-content: space-between; }
.sp footer a { color: var(--satchel-muted); font-size: .85em; }
.sp pre { background: var(--satchel-hover); border: 1px solid var(--satchel-line); border-radius: var(--satchel-radius); padding: .5rem; user-select: all; }
`;

const UTM = "utm_source=satchel&utm_medium=referral";
const withUtm = (link) => `${link}${link.includes("?") ? "&" : "?"}${UTM}`;

export default {
  label: "Unsplash",
  name: "unsplash",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="currentColor" d="M10 9V0h12v9H10zm12 5h10v18H0V14h10v9h12v-9z"/></svg>',

  mounted(element, actions) {
    const t = words(TEXT);
    element.append(h("style", { text: STYLE }));
    const settings = actions.provider || {};
    if (settings.missing || !settings.accessKey) {
      setupPane(element, t, settings.missing || { register: "https://unsplash.com/oauth/applications", snippet: '[providers.unsplash]\naccess_key = "…"' });
      return;
    }
    const api = (settings.base && settings.base.api) || "https://api.unsplash.com";
    const headers = { Authorization: `Client-ID ${settings.accessKey}`, "Accept-Version": "v1" };
    let query = "";
    let page = 0;
    let pages = 0;

    const input = h("input", { type: "search", id: "unsplash-query", name: "query", required: "", "aria-label": t.search, placeholder: t.search });
    const picked = selection(t, actions, async (photo) => {
      const user = (photo.user && photo.user.username) || "unsplash";
      await actions.addCustomUrl({
        url: photo.urls.full,
        type: "image/jpeg",
        filename: `${user}-${photo.id}.jpg`,
        display_name: photo.alt_description || `${user}-${photo.id}`,
        thumbnail: photo.urls.thumb,
      });
      // The download-tracking rule: a picked photo is a download.
      if (photo.links && photo.links.download_location) {
        await fetch(photo.links.download_location, { headers }).catch(() => {});
      }
    });
    const { status, add } = picked;
    const list = h("ul", { "aria-label": t.search, "data-testid": "provider-items" });
    const more = h("button", { type: "button", hidden: "", onclick: () => load(page + 1) }, t.more);
    const form = h(
      "form",
      { role: "search", onsubmit: (event) => (event.preventDefault(), search()) },
      input,
      h("button", { type: "submit" }, t.go),
    );
    element.append(
      h(
        "section",
        { class: "sp", "aria-label": "Unsplash" },
        form,
        status,
        list,
        more,
        h("footer", {}, h("a", { href: withUtm("https://unsplash.com/"), target: "_blank", rel: "noreferrer" }, "Unsplash"), add),
      ),
    );
    input.focus();

    function search() {
      query = input.value.trim();
      if (!query) return;
      list.replaceChildren();
      picked.clear();
      void load(1);
    }

    async function load(next) {
      status.classList.remove("error");
      status.textContent = t.searching;
      try {
        const url = `${api}/search/photos?query=${encodeURIComponent(query)}&page=${next}&per_page=20`;
        const response = await fetch(url, { headers });
        if (!response.ok) throw new Error(`${t.failed} (${response.status})`);
        const body = await response.json();
        page = next;
        pages = body.total_pages || 0;
        for (const photo of body.results || []) list.append(tile(photo));
        status.textContent = body.total ? t.found(body.total) : t.none;
        more.hidden = page >= pages;
      } catch (error) {
        status.classList.add("error");
        status.textContent = error.message || t.failed;
      }
    }

    function tile(photo) {
      const name = (photo.user && photo.user.name) || "";
      const description = photo.alt_description || photo.description || "";
      const button = h(
        "button",
        {
          type: "button",
          "aria-pressed": "false",
          "data-id": photo.id,
          title: description,
          "aria-label": description ? `${description} (${t.by} ${name})` : `${t.by} ${name}`,
          onclick: () => {
            button.setAttribute("aria-pressed", String(picked.toggle(photo.id, photo)));
          },
        },
        h("img", { src: photo.urls && photo.urls.thumb, alt: "", loading: "lazy" }),
      );
      const credit = h(
        "span",
        { class: "credit" },
        `${t.by} `,
        h("a", { href: withUtm((photo.user && photo.user.links && photo.user.links.html) || "https://unsplash.com/"), target: "_blank", rel: "noreferrer", text: name }),
        ` ${t.on} `,
        h("a", { href: withUtm("https://unsplash.com/"), target: "_blank", rel: "noreferrer", text: "Unsplash" }),
      );
      return h("li", {}, button, credit);
    }
  },

  unmounted() {},
};
