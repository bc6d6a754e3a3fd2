// Satchel's source-frame shim. Runs first in every custom-source frame
// (sandbox="allow-scripts", an opaque origin) and gives the source's
// `mounted(element, actions)` Filestack's `actions` object.
//
// Protocol (all messages carry `satchel: 1`; the host knows the sender by its
// window, so nothing here can claim to be another source):
//   frame → host  {kind:"loaded", descriptor:{name?,label,icon?}}
//                 {kind:"failed", stage:"load"|"mount", message}
//                 {kind:"call", id, action, args}     an action request
//                 {kind:"chunk", id, spool, offset, data:ArrayBuffer}  (the host
//                 still takes these; addRawFile now POSTs, see below)
//                 {kind:"unmounted"}
//   host → frame  {kind:"mount"} / {kind:"unmount"}
//                 {kind:"view", view:{fileList,count,config,user?}}
//                 {kind:"reply", id, ok:true, value} / {kind:"reply", id, ok:false, error:{kind,message}}
// The host sends "view" before the "reply" of an action that changed it, so
// `actions.count` is current when that action's promise resolves; addCustomUrl
// and removeFile change `fileList` and `count` at once, undone if refused.
// A refused request's Error has Rust's `kind`. `actions.auth` (token, signIn,
// signOut, user) exists only for a source whose config entry has `auth`.
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
  // Taken before the source's code runs, which may replace its globals.
  const send = window.fetch.bind(window);
  const ownOrigin = location.href;
  // What the policy lets sources do besides the actions (sourceStorage,
  // sourceForms, sourceLinks); Rust enforces the same on every request.
  const embedded = JSON.parse(document.getElementById("satchel-source").textContent);
  const allowed = embedded.capabilities || { storage: true, forms: true, links: true };
  const post = (message, transfer) => host.postMessage({ satchel: 1, ...message }, "*", transfer || []);
  const pending = new Map();
  let nextId = 1;
  let view = { fileList: [], count: 0, config: {} };
  let source = null;
  let element = null;
  let mounted = false;
  let wanted = false; // the host asked to mount, maybe before the source loaded

  // Requests go out a few at a time and the rest wait here, in order, so a
  // non-awaited loop of calls is queued like Filestack's picker queues it,
  // not refused. Only a real flood (more than MAX_QUEUED waiting) is refused
  // at once; the host keeps its own, larger bound for frames that skip this.
  const MAX_SENT = 16;
  const MAX_QUEUED = 1000;
  const queued = [];
  let sent = 0;

  function pump() {
    while (sent < MAX_SENT && queued.length > 0) {
      const { message, transfer } = queued.shift();
      sent++;
      post(message, transfer);
    }
  }

  // Raw-file steps; any other action means the source goes on with its own
  // flow, so it is not sent to the summary behind its back.
  const RAW_STEPS = new Set(["addRawBegin", "addRawFinish", "addRawAbort"]);

  const request = (message, transfer, onSettled) =>
    new Promise((resolve, reject) => {
      if (message.kind === "call" && !RAW_STEPS.has(message.action)) rawLanded = false;
      if (queued.length >= MAX_QUEUED) {
        onSettled?.();
        reject(new Error(`too many requests waiting (more than ${MAX_QUEUED}); await some before sending more`));
        return;
      }
      const id = nextId++;
      const settle = (fn) => (value) => {
        sent--;
        onSettled?.();
        fn(value);
        pump();
      };
      pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      queued.push({ message: { ...message, id }, transfer });
      pump();
    });

  const call = (action, args, onSettled) => request({ kind: "call", action, args }, undefined, onSettled);

  // Changes a source made that Rust has not answered yet: `fileList` and
  // `count` show them at once (Filestack's picker changes its list before
  // the call returns), and a refusal undoes them when the reply comes.
  const unconfirmed = new Map();
  let nextChange = 1;

  function current() {
    let fileList = view.fileList;
    let count = view.count;
    for (const change of unconfirmed.values()) {
      if (change.add) {
        fileList = [...fileList, change.add];
        count++;
      } else if (fileList.some((f) => f.uuid === change.remove)) {
        fileList = fileList.filter((f) => f.uuid !== change.remove);
        count--;
      }
    }
    return { fileList, count };
  }

  function tentatively(change, action, args) {
    const key = nextChange++;
    unconfirmed.set(key, change);
    return call(action, args, () => unconfirmed.delete(key));
  }

  // The seed: addRawFile adds "and goto summary view". Once no raw file the
  // source started is still arriving (checked a task later, so an awaited
  // loop of addRawFile calls lands every file first), and the source asked
  // for nothing else since, the summary is shown.
  let rawArriving = 0;
  let rawLanded = false;
  function rawSettled(landed) {
    rawArriving--;
    rawLanded ||= landed;
    setTimeout(() => {
      if (rawArriving === 0 && rawLanded && mounted) {
        rawLanded = false;
        call("showSummaryView").catch(() => {});
      }
    }, 0);
  }

  // The bytes go straight to Rust, not through the host: each slice is a
  // POST to this frame's own origin (the only one its policy lets it reach
  // besides `connect`), carrying the ticket addRawBegin gave (the spool id).
  // Two slices are in flight, so Rust writes one while the next crosses
  // (it writes them in order); memory stays at a few slices. The body is an
  // ArrayBuffer, not the Blob slice: WebKitGTK (2.50) loses the page when a
  // Blob-backed body goes to a custom scheme (see bench/results.md), and
  // without a Content-Type the request needs no preflight.
  const IN_FLIGHT = 2;
  async function sendSlices(file, begun) {
    const sendOne = async (offset) => {
      const end = Math.min(file.size, offset + begun.slice);
      const body = await file.slice(offset, end).arrayBuffer();
      const url = new URL(`raw/${begun.spool}?offset=${offset}&length=${end - offset}`, ownOrigin);
      const response = await send(url.href, { method: "POST", body });
      if (!response.ok) {
        let message = `the picker refused the file's bytes (${response.status})`;
        try {
          message = (await response.json()).message || message;
        } catch (_) {}
        throw new Error(message);
      }
    };
    const flying = [];
    try {
      for (let offset = 0; offset < file.size; offset += begun.slice) {
        flying.push(sendOne(offset));
        if (flying.length >= IN_FLIGHT) await flying.shift();
      }
    } finally {
      // Every slice settles before the file is finished or aborted.
      const settled = await Promise.allSettled(flying);
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  const optionalHeaders = (headers) => (headers == null ? undefined : { ...headers });

  async function addRawFile(file) {
    if (!(file instanceof Blob)) throw new TypeError("addRawFile expects a File or Blob");
    rawArriving++;
    let landed = false;
    try {
      const begun = await call("addRawBegin", {
        name: typeof file.name === "string" ? file.name : undefined,
        type: file.type || undefined,
        size: file.size,
      });
      try {
        await sendSlices(file, begun);
        const added = await call("addRawFinish", { spool: begun.spool });
        landed = true;
        return added;
      } catch (error) {
        call("addRawAbort", { spool: begun.spool }).catch(() => {});
        throw error;
      }
    } finally {
      rawSettled(landed);
    }
  }

  const copy = (value) => JSON.parse(JSON.stringify(value));
  const frozen = (value) => {
    if (value !== null && typeof value === "object") {
      for (const inner of Object.values(value)) frozen(inner);
      Object.freeze(value);
    }
    return value;
  };
  // A shipped source's settings (Satchel's own sources: base URLs, Unsplash's
  // access key, or what the config lacks); undefined for any other source.
  const provider = embedded.provider ? frozen(copy(embedded.provider)) : undefined;

  // A refused request's Error carries Rust's `kind` ("signedOut", "refused", …)
  // so a source can tell them apart.
  function refusal(error) {
    const refused = new Error(error ? error.message : "the picker refused the request");
    if (error && typeof error.kind === "string") refused.kind = error.kind;
    return refused;
  }

  // Satchel's extension for sources that sign in (`auth` in their config
  // entry): the token is the source's own, asked for by its frame; there is
  // no way to name another source. Absent for sources without `auth`.
  const auth = embedded.auth
    ? Object.freeze({
        token: () => call("authToken"),
        signIn: () => call("authSignIn").then((user) => user ?? null),
        signOut: () => call("authSignOut"),
        get user() {
          return view.user ? copy(view.user) : null;
        },
      })
    : undefined;

  const actions = Object.freeze({
    ...(auth ? { auth } : {}),
    addRawFile,
    fetchAndAddUrl: (url, headers) => call("fetchAndAddUrl", { url: String(url), headers: optionalHeaders(headers) }),
    showSummaryView: () => call("showSummaryView"),
    addCustomUrl: (file) => {
      const f = file || {};
      const args = {
        url: f.url,
        type: f.type,
        filename: f.filename,
        display_name: f.display_name,
        thumbnail: f.thumbnail,
        headers: optionalHeaders(f.headers),
      };
      const shown = {
        url: String(f.url ?? ""),
        type: String(f.type ?? ""),
        filename: String(f.filename ?? ""),
        display_name: String(f.display_name ?? f.filename ?? ""),
        thumbnail: String(f.thumbnail ?? ""),
        size: 0,
        headers: { ...(f.headers || {}) },
        uuid: undefined,
      };
      return tentatively({ add: shown }, "addCustomUrl", args);
    },
    metadata: (url, headers) => call("metadata", { url: String(url), headers: optionalHeaders(headers) }),
    startUploading: () => call("startUploading"),
    // Synchronous, as in Filestack's picker (`if (actions.getFile(uuid))`);
    // `await actions.getFile(uuid)` works too, on the plain value.
    getFile: (uuid) => {
      const found = current().fileList.find((f) => f.uuid !== undefined && f.uuid === String(uuid));
      return found === undefined ? undefined : copy(found);
    },
    removeFile: (uuid) => tentatively({ remove: String(uuid) }, "removeFile", { uuid: String(uuid) }),
    get fileList() {
      return copy(current().fileList);
    },
    get count() {
      return current().count;
    },
    get config() {
      return copy(view.config);
    },
    provider,
  });

  const isSource = (value) => value !== null && typeof value === "object" && "label" in value && typeof value.mounted === "function";

  // The one source object among named candidates; none or two are errors
  // that say where Satchel looked.
  function pick(candidates, where) {
    const found = candidates.filter(([, value]) => isSource(value));
    if (found.length === 1) return found[0][1];
    if (found.length > 1) {
      throw new TypeError(`${where} define more than one source object: ${found.map(([n]) => n).join(" and ")}; keep one`);
    }
    throw new TypeError(`no source object found: ${where} must define one object with "label" and "mounted" (export default {label, mounted, …}, or const customSource = {…})`);
  }

  function describe(candidate) {
    if (candidate === null || typeof candidate !== "object") {
      throw new TypeError("the source must be an object {label, name, icon, mounted, unmounted}");
    }
    if (typeof candidate.label !== "string") throw new TypeError('"label" must be a string');
    if (candidate.name !== undefined && typeof candidate.name !== "string") throw new TypeError('"name" must be a string');
    if (candidate.icon !== undefined && typeof candidate.icon !== "string") {
      throw new TypeError('"icon" must be a string: inline SVG, a data:image URL or a file name beside the source');
    }
    if (typeof candidate.mounted !== "function") throw new TypeError('"mounted" must be a function (element, actions)');
    if (candidate.unmounted !== undefined && typeof candidate.unmounted !== "function") {
      throw new TypeError('"unmounted" must be a function (element)');
    }
    return { name: candidate.name, label: candidate.label, icon: candidate.icon };
  }

  // An ES module: its default export, else the one named export that is a source.
  async function loadModule(url) {
    const module = await import(url);
    if (module.default !== undefined) return module.default;
    return pick(Object.entries(module), "the module's exports");
  }

  // A classic script (the seed's `const customSource = {…}`): its top-level
  // bindings are not properties of window, so a line appended to the same
  // script reads the names Rust found in it.
  function loadScript(code, bindings) {
    const key = "__satchelCandidates";
    const read = bindings.map((n) => `[${JSON.stringify(n)}, typeof ${n} === "undefined" ? undefined : ${n}]`).join(",");
    const url = URL.createObjectURL(new Blob([`${code}\n;self.${key} = [${read}];\n`], { type: "text/javascript" }));
    return new Promise((resolve, reject) => {
      let thrown = null;
      const onError = (event) => {
        if (event.filename === url && thrown === null) thrown = event.error || new Error(event.message);
      };
      window.addEventListener("error", onError);
      const script = document.createElement("script");
      script.src = url;
      const done = () => {
        window.removeEventListener("error", onError);
        URL.revokeObjectURL(url);
        script.remove();
      };
      script.onload = () => {
        done();
        if (thrown !== null) return reject(thrown);
        const candidates = self[key] || [];
        delete self[key];
        try {
          resolve(pick(candidates, "the script's top-level names"));
        } catch (error) {
          reject(error);
        }
      };
      script.onerror = () => {
        done();
        reject(new Error("the source's script could not be loaded"));
      };
      document.head.append(script);
    });
  }

  const messageOf = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

  async function mount() {
    if (!source || mounted) return;
    mounted = true;
    element.replaceChildren();
    await loadStorage();
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
        else waiting.reject(refusal(message.error));
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

  // localStorage and sessionStorage, which a sandboxed frame lacks. Reads
  // are synchronous, from a copy in the frame; localStorage writes go to
  // Rust in order (one at a time) and are kept under the source's own name,
  // so they survive restarts; sessionStorage lives as long as the window
  // (frames stay loaded until it closes). document.cookie stays empty.
  const STORAGE_QUOTA = 5 * 1024 * 1024;
  const bytes = (text) => new TextEncoder().encode(text).length;
  let storageWrites = Promise.resolve();

  function makeStorage(persist) {
    const items = new Map();
    let used = 0;
    const api = {
      get length() {
        return items.size;
      },
      key(index) {
        return [...items.keys()][index] ?? null;
      },
      getItem(key) {
        key = String(key);
        return items.has(key) ? items.get(key) : null;
      },
      setItem(key, value) {
        key = String(key);
        value = String(value);
        const old = items.has(key) ? bytes(key) + bytes(items.get(key)) : 0;
        const next = used - old + bytes(key) + bytes(value);
        if (next > STORAGE_QUOTA) {
          throw new DOMException(`a custom source may keep at most ${STORAGE_QUOTA} bytes in storage`, "QuotaExceededError");
        }
        items.set(key, value);
        used = next;
        persist("storageSet", { key, value });
      },
      removeItem(key) {
        key = String(key);
        if (!items.has(key)) return;
        used -= bytes(key) + bytes(items.get(key));
        items.delete(key);
        persist("storageRemove", { key });
      },
      clear() {
        items.clear();
        used = 0;
        persist("storageClear");
      },
    };
    const own = (key) => typeof key === "string" && !(key in api);
    const storage = new Proxy(api, {
      get: (target, key) => (own(key) ? (target.getItem(key) ?? undefined) : Reflect.get(target, key)),
      set: (target, key, value) => (own(key) ? (target.setItem(key, value), true) : false),
      deleteProperty: (target, key) => (own(key) && target.removeItem(key), true),
      has: (target, key) => key in target || items.has(String(key)),
      ownKeys: () => [...items.keys()],
      getOwnPropertyDescriptor: (target, key) =>
        items.has(String(key))
          ? { value: items.get(String(key)), writable: true, enumerable: true, configurable: true }
          : undefined,
    });
    const load = (entries) => {
      items.clear();
      used = 0;
      for (const [key, value] of Object.entries(entries || {})) {
        items.set(key, String(value));
        used += bytes(key) + bytes(String(value));
      }
    };
    return { storage, load };
  }

  const local = makeStorage((action, args) => {
    if (!allowed.storage) return; // kept for the window's lifetime only
    storageWrites = storageWrites
      .then(() => call(action, args))
      .catch((error) => notice(`localStorage was not saved: ${error.message}`));
  });
  const session = makeStorage(() => {});
  Object.defineProperty(window, "localStorage", { value: local.storage, configurable: true, enumerable: true });
  Object.defineProperty(window, "sessionStorage", { value: session.storage, configurable: true, enumerable: true });
  Object.defineProperty(document, "cookie", { get: () => "", set: () => {}, configurable: true });

  // Fills localStorage from what Rust kept, before the source's mounted().
  async function loadStorage() {
    if (!allowed.storage) return;
    await storageWrites;
    try {
      local.load(await call("storageLoad"));
    } catch (error) {
      notice(`localStorage could not be read: ${error.message}`);
    }
  }

  // Something the source tried that Satchel does not do, said in the
  // source's own pane (above its view) as well as thrown to its code; the
  // last few different ones stay.
  function notice(text) {
    let box = document.getElementById("satchel-notice");
    if (!box) {
      box = document.createElement("div");
      box.id = "satchel-notice";
      box.setAttribute("role", "alert");
      document.body.prepend(box);
    }
    if ([...box.children].some((line) => line.textContent === text)) return;
    const line = document.createElement("p");
    line.textContent = text;
    box.append(line);
    while (box.children.length > 5) box.firstElementChild.remove();
  }

  // What the frame's policy refused, said in the pane with the key that
  // would allow it, so an integrator knows what to declare.
  document.addEventListener("securitypolicyviolation", (event) => {
    const directive = event.effectiveDirective || event.violatedDirective || "";
    const blocked = event.blockedURI || "";
    let origin = blocked;
    try {
      origin = new URL(blocked).origin;
    } catch (_) {}
    let text;
    if (blocked === "eval") {
      text = "eval() and new Function() are not allowed in a custom source";
    } else if (directive.startsWith("form-action")) {
      text = "forms do not send anything from a custom source: handle the submit event instead";
    } else if (directive.startsWith("script-src") || directive.startsWith("style-src")) {
      text = `refused to load ${blocked}: add "${origin}" to this source's "scripts" in the config (or --source-script)`;
    } else if (/^(connect|img|media)-src/.test(directive)) {
      text = `refused to reach ${blocked}: add "${origin}" to this source's "connect" in the config (or --source-connect)`;
    } else {
      text = `refused by the source's policy (${directive}): ${blocked}`;
    }
    notice(text);
  });

  // Links out: an http(s) page opens in the system browser (Rust checks the
  // URL again and hands it to the desktop); the frame never navigates and
  // never opens a window of its own.
  function openOutside(raw) {
    if (!allowed.links) {
      throw new DOMException("opening links is turned off for custom sources by the policy (sourceLinks)", "NotAllowedError");
    }
    let url;
    try {
      url = new URL(String(raw));
    } catch (_) {
      throw new TypeError(`cannot open ${JSON.stringify(String(raw))}: give an absolute http(s) URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`cannot open a ${url.protocol} link: only http and https pages open, in the system browser`);
    }
    call("openLink", { url: url.href }).catch((error) => notice(`Could not open ${url.href}: ${error.message}`));
  }

  window.open = function open(url) {
    if (navigator.userActivation && !navigator.userActivation.isActive) {
      const text = "window.open works only in answer to a click";
      notice(text);
      throw new DOMException(text, "NotAllowedError");
    }
    openOutside(url);
    // The page is in the browser, not a window this frame could script.
    return null;
  };

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented) return;
    const target = (link.getAttribute("target") || "").toLowerCase();
    if (target === "" || target === "_self") return; // stays in the frame: its policy decides
    event.preventDefault();
    if (!event.isTrusted) return;
    try {
      openOutside(link.href);
    } catch (error) {
      notice(error.message);
    }
  });

  // eval is off by the frame's policy; WebKit refuses it without telling
  // the page, so the refusal is said here.
  window.eval = function () {
    const text = "eval() and new Function() are not allowed in a custom source";
    notice(text);
    throw new EvalError(text);
  };

  // Forms: with sourceForms off, submit events never reach the source.
  if (!allowed.forms) {
    window.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        event.stopImmediatePropagation();
        notice("forms are turned off for custom sources by the policy (sourceForms)");
      },
      true,
    );
  }

  // The sandbox has no modal dialogs: without this they would silently do
  // nothing. They fail loudly instead, in the pane and to the code.
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function () {
      const text = `${name}() is not available to a custom source in Satchel: show the message in your own view`;
      notice(text);
      throw new Error(text);
    };
  }

  const moduleUrl = (text) => URL.createObjectURL(new Blob([text], { type: "text/javascript" }));

  async function load() {
    element = document.getElementById("satchel-mount");
    const { load: how, kit } = embedded;
    let { code } = embedded;
    // A shipped source imports the pane Satchel's sources share by its
    // relative name, which a blob: module cannot resolve: the name, as a
    // string literal, becomes the frame's own blob of the pane. Only shipped
    // sources get `kit`; any other source's code is run as written.
    const kitUrl = kit && how.form !== "script" ? moduleUrl(kit.code) : null;
    if (kitUrl) code = code.split(JSON.stringify(kit.from)).join(JSON.stringify(kitUrl));
    const url = how.form === "script" ? null : moduleUrl(code);
    try {
      const candidate = url ? await loadModule(url) : await loadScript(code, how.bindings);
      const descriptor = describe(candidate);
      source = candidate;
      // The frame's document is named for screen readers by its source.
      document.title = descriptor.label;
      post({ kind: "loaded", descriptor });
      if (wanted) void mount();
    } catch (error) {
      post({ kind: "failed", stage: "load", message: messageOf(error) });
    } finally {
      if (url) URL.revokeObjectURL(url);
      if (kitUrl) URL.revokeObjectURL(kitUrl);
    }
  }

  void load();
})();
