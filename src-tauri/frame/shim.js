// Satchel's source-frame shim. Runs first in every custom-source frame
// (sandbox="allow-scripts", an opaque origin) and gives the source's
// `mounted(element, actions)` Filestack's `actions` object.
//
// Protocol (all messages carry `satchel: 1`; the host knows the sender by its
// window, so nothing here can claim to be another source):
//   frame → host  {kind:"loaded", descriptor:{name,label,icon}}
//                 {kind:"failed", stage:"load"|"mount", message}
//                 {kind:"call", id, action, args}     an action request
//                 {kind:"chunk", id, spool, offset, data:ArrayBuffer}
//                 {kind:"unmounted"}
//   host → frame  {kind:"mount"} / {kind:"unmount"}
//                 {kind:"view", view:{fileList,count,config}}
//                 {kind:"reply", id, ok:true, value} / {kind:"reply", id, ok:false, error:{kind,message}}
// The host sends "view" before the "reply" of an action that changed it, so
// `actions.count` is current when that action's promise resolves.
(() => {
  "use strict";
  // WebKitGTK hands every frame the page's script message handlers
  // (window.webkit.messageHandlers; "ipc" carries Tauri's IPC on Linux),
  // guarded then by the IPC key alone. A source needs none of them, so they
  // go before its code runs: `window.webkit` cannot be deleted, but the
  // handlers' `postMessage` and the `messageHandlers` getter live on
  // prototypes that can be emptied, and this frame has no other realm to
  // fetch them from (nested frames are refused by its policy).
  (() => {
    const namespace = window.webkit;
    if (!namespace) return;
    const emptied = (object, name) => {
      for (let o = object; o; o = Object.getPrototypeOf(o)) {
        const d = Object.getOwnPropertyDescriptor(o, name);
        if (d && d.configurable) delete o[name];
      }
    };
    let handlers;
    try {
      handlers = namespace.messageHandlers;
    } catch (_) {}
    if (handlers) {
      for (const name of ["ipc", ...Object.getOwnPropertyNames(handlers)]) {
        const handler = handlers[name];
        if (handler) emptied(handler, "postMessage");
      }
    }
    emptied(namespace, "messageHandlers");
  })();
  const host = window.parent;
  const post = (message, transfer) => host.postMessage({ satchel: 1, ...message }, "*", transfer || []);
  const pending = new Map();
  let nextId = 1;
  let view = { fileList: [], count: 0, config: {} };
  let source = null;
  let element = null;
  let mounted = false;
  let wanted = false; // the host asked to mount, maybe before the source loaded

  const call = (action, args) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      post({ kind: "call", id, action, args });
    });

  const sendChunk = (spool, offset, data) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      post({ kind: "chunk", id, spool, offset, data }, [data]);
    });

  const optionalHeaders = (headers) => (headers == null ? undefined : { ...headers });

  async function addRawFile(file) {
    if (!(file instanceof Blob)) throw new TypeError("addRawFile expects a File or Blob");
    const begun = await call("addRawBegin", {
      name: typeof file.name === "string" ? file.name : undefined,
      type: file.type || undefined,
      size: file.size,
    });
    try {
      // One chunk in flight at a time: memory stays at one chunk whatever the size.
      for (let offset = 0; offset < file.size; offset += begun.chunk) {
        const data = await file.slice(offset, offset + begun.chunk).arrayBuffer();
        await sendChunk(begun.spool, offset, data);
      }
      return await call("addRawFinish", { spool: begun.spool });
    } catch (error) {
      call("addRawAbort", { spool: begun.spool }).catch(() => {});
      throw error;
    }
  }

  const copy = (value) => JSON.parse(JSON.stringify(value));

  const actions = Object.freeze({
    addRawFile,
    fetchAndAddUrl: (url, headers) => call("fetchAndAddUrl", { url: String(url), headers: optionalHeaders(headers) }),
    showSummaryView: () => call("showSummaryView"),
    addCustomUrl: (file) => {
      const f = file || {};
      return call("addCustomUrl", {
        url: f.url,
        type: f.type,
        filename: f.filename,
        display_name: f.display_name,
        thumbnail: f.thumbnail,
        headers: optionalHeaders(f.headers),
      });
    },
    metadata: (url, headers) => call("metadata", { url: String(url), headers: optionalHeaders(headers) }),
    startUploading: () => call("startUploading"),
    getFile: (uuid) => call("getFile", { uuid: String(uuid) }),
    removeFile: (uuid) => call("removeFile", { uuid: String(uuid) }),
    get fileList() {
      return copy(view.fileList);
    },
    get count() {
      return view.count;
    },
    get config() {
      return copy(view.config);
    },
  });

  function describe(candidate) {
    if (candidate === null || typeof candidate !== "object") {
      throw new TypeError("the module's default export must be the source object {label, name, icon, mounted, unmounted}");
    }
    for (const field of ["name", "label"]) {
      if (typeof candidate[field] !== "string") throw new TypeError(`"${field}" must be a string`);
    }
    if (candidate.icon !== undefined && typeof candidate.icon !== "string") throw new TypeError('"icon" must be an SVG string');
    if (typeof candidate.mounted !== "function") throw new TypeError('"mounted" must be a function (element, actions)');
    if (candidate.unmounted !== undefined && typeof candidate.unmounted !== "function") {
      throw new TypeError('"unmounted" must be a function (element)');
    }
    return { name: candidate.name, label: candidate.label, icon: candidate.icon };
  }

  const messageOf = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

  async function mount() {
    if (!source || mounted) return;
    mounted = true;
    element.replaceChildren();
    try {
      await source.mounted(element, actions);
    } catch (error) {
      post({ kind: "failed", stage: "mount", message: messageOf(error) });
    }
  }

  function unmount() {
    if (!source || !mounted) return;
    mounted = false;
    try {
      if (source.unmounted) source.unmounted(element);
    } catch (error) {
      console.error("unmounted threw", error);
    }
    element.replaceChildren();
    post({ kind: "unmounted" });
  }

  window.addEventListener("message", (event) => {
    if (event.source !== host) return;
    const message = event.data;
    if (!message || message.satchel !== 1) return;
    switch (message.kind) {
      case "view":
        view = message.view;
        break;
      case "reply": {
        const waiting = pending.get(message.id);
        if (!waiting) return;
        pending.delete(message.id);
        if (message.ok) waiting.resolve(message.value === null ? undefined : message.value);
        else waiting.reject(new Error(message.error ? message.error.message : "the picker refused the request"));
        break;
      }
      case "mount":
        wanted = true;
        void mount();
        break;
      case "unmount":
        wanted = false;
        unmount();
        break;
    }
  });

  async function load() {
    element = document.getElementById("satchel-mount");
    const code = JSON.parse(document.getElementById("satchel-source").textContent);
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    try {
      const module = await import(url);
      const candidate = module.default;
      const descriptor = describe(candidate);
      source = candidate;
      post({ kind: "loaded", descriptor });
      if (wanted) void mount();
    } catch (error) {
      post({ kind: "failed", stage: "load", message: messageOf(error) });
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  void load();
})();
