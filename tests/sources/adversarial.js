// Tries every way out of its frame it can think of and writes, for each,
// what it could reach into #escapes ("blocked: …" or "ESCAPED: …").
// The end-to-end test fails if any line says ESCAPED.
const BASE = "__BASE__";

export default {
  label: "Adversary",
  name: "adversary",
  async mounted(element, actions) {
    const results = {};
    const out = document.createElement("pre");
    out.id = "escapes";
    element.appendChild(out);
    const show = () => (out.textContent = JSON.stringify(results));
    const attempt = async (name, fn) => {
      try {
        const reached = await fn();
        results[name] = reached ? `ESCAPED: ${reached}` : "blocked: nothing reached";
      } catch (error) {
        results[name] = `blocked: ${error && error.name}: ${error && error.message}`;
      }
      show();
    };
    const fetchText = async (url, init) => {
      const response = await fetch(url, init);
      return `${url} answered ${response.status}: ${(await response.text()).slice(0, 80)}`;
    };

    await attempt("tauriGlobals", () =>
      ["__TAURI__", "__TAURI_INTERNALS__", "__TAURI_IPC__", "ipc", "__TAURI_POST_MESSAGE__"]
        .filter((g) => window[g] !== undefined || window.parent === window)
        .join(","),
    );
    await attempt("parentDom", () => window.parent.document.body.innerHTML.slice(0, 40));
    await attempt("topDom", () => window.top.document.title);
    await attempt("parentInvoke", () => String(window.parent.__TAURI_INTERNALS__.invoke));
    await attempt("ipcCustomScheme", () => fetchText("ipc://localhost/get_state", { method: "POST", body: "{}" }));
    await attempt("ipcHttp", () => fetchText("http://ipc.localhost/get_state", { method: "POST", body: "{}" }));
    await attempt("appScheme", () => fetchText("tauri://localhost/index.html"));
    await attempt("undeclaredOrigin", () => fetchText(`${BASE}/files/notes.txt`));
    await attempt("fileScheme", () => fetchText("file:///etc/passwd"));
    // Its own origin is reachable (addRawFile POSTs there); another source's is not.
    await attempt("otherSourceFrame", () => fetchText("satchel-source://s1/"));
    await attempt("otherSourceRaw", () =>
      fetchText("satchel-source://s1/raw/00000000-0000-4000-8000-000000000000?offset=0&length=1", { method: "POST", body: "x" }),
    );
    await attempt("xhrFile", () => {
      const xhr = new XMLHttpRequest();
      xhr.open("GET", "file:///etc/hostname", false);
      xhr.send();
      return xhr.responseText;
    });
    await attempt("popup", () => {
      const popup = window.open("about:blank", "_blank");
      return popup ? "a window opened" : "";
    });
    await attempt("topNavigation", () => {
      window.top.location.href = "about:blank#escaped";
      return window.top.location.href;
    });
    await attempt("nestedFrame", async () => {
      const frame = document.createElement("iframe");
      frame.src = "tauri://localhost/";
      document.body.appendChild(frame);
      await new Promise((r) => setTimeout(r, 500));
      return frame.contentDocument && frame.contentDocument.body ? frame.contentDocument.body.innerHTML.slice(0, 40) : "";
    });
    // localStorage is Satchel's, per source: this one holds nothing of others.
    await attempt("storage", () => Object.keys(window.localStorage).join(","));
    await attempt(
      "indexedDB",
      () =>
        new Promise((resolve, reject) => {
          const request = window.indexedDB.open("x");
          request.onsuccess = () => resolve("indexedDB opened");
          request.onerror = () => reject(request.error || new Error("indexedDB refused"));
          setTimeout(() => reject(new Error("indexedDB never answered")), 3000);
        }),
    );
    await attempt("cookies", () => document.cookie || "");
    await attempt("forgedSource", async () => {
      // Claim to be another source inside the request: the host ignores what
      // messages claim and Rust refuses fields it does not know.
      const reply = await new Promise((resolve) => {
        const onMessage = (event) => {
          if (event.data && event.data.kind === "reply" && event.data.id === 424242) {
            window.removeEventListener("message", onMessage);
            resolve(event.data);
          }
        };
        window.addEventListener("message", onMessage);
        window.parent.postMessage(
          { satchel: 1, kind: "call", id: 424242, action: "getFile", args: { uuid: "x", source: "teamFiles" } },
          "*",
        );
      });
      return reply.ok ? "a forged request was performed" : "";
    });
    await attempt("ssrfLoopback", async () => {
      // The picker allows 127.0.0.1 for the tests, not ::1: the SSRF guard
      // must refuse it before any connection (port 9 would refuse anyway,
      // so only the guard's own refusal counts as blocked).
      try {
        await actions.fetchAndAddUrl("http://[::1]:9/secret");
        return "fetched from ::1";
      } catch (error) {
        if (String(error && error.message).includes("refused to fetch")) throw error;
        return `not stopped by the SSRF guard: ${error && error.message}`;
      }
    });
    // WebKitGTK gives every frame the page's script message handlers
    // (window.webkit.messageHandlers; "ipc" is Tauri's IPC on Linux). Every
    // handler, under every name Tauri, wry or a plugin has used, and by every
    // way to a `webkit` object (this window, its prototypes, a fresh blank
    // frame's window), must be out of a source's reach, not only guarded by
    // the IPC key.
    const namespaces = async () => {
      const found = [];
      if (window.webkit) found.push(["window.webkit", window.webkit]);
      for (let o = Object.getPrototypeOf(window); o; o = Object.getPrototypeOf(o)) {
        const d = Object.getOwnPropertyDescriptor(o, "webkit");
        if (d && d.get) {
          try {
            const got = d.get.call(window);
            if (got) found.push(["a prototype's webkit getter", got]);
          } catch (_) {}
        }
      }
      try {
        const blank = document.createElement("iframe");
        document.body.appendChild(blank);
        await new Promise((r) => setTimeout(r, 200));
        const inner = blank.contentWindow || window[0];
        if (inner && inner.webkit) found.push(["a blank frame's webkit", inner.webkit]);
        blank.remove();
      } catch (_) {}
      return found;
    };
    const handlerNames = (handlers) =>
      [
        ...new Set([
          "ipc", "external", "__TAURI__", "__TAURI_IPC__", "__TAURI_POST_MESSAGE__", "tauri", "wry",
          "webview", "postMessage", "invoke", "drag", "dragDrop", "fileDrop", "print", "devtools",
          ...Object.getOwnPropertyNames(handlers),
          ...Object.keys(handlers),
        ]),
      ];
    const reachable = await namespaces();
    // A `webkit` object is harmless; one that still hands out handlers is not.
    await attempt("webkitNamespace", () =>
      reachable
        .filter(([, namespace]) => namespace.messageHandlers)
        .map(([how]) => `${how}.messageHandlers`)
        .join(", "),
    );
    for (const [how, namespace] of reachable) {
      const handlers = namespace.messageHandlers;
      if (!handlers) continue;
      for (const name of handlerNames(handlers)) {
        await attempt(`messageHandler:${name} (${how})`, () => {
          const handler = handlers[name];
          if (!handler || typeof handler.postMessage !== "function") return "";
          // A forged Tauri invoke without the key: reaching the handler at
          // all is the escape, whatever the host then does with it.
          handler.postMessage(JSON.stringify({ cmd: "get_state", callback: 1, error: 2, payload: {} }));
          return `messageHandlers.${name} accepted a message`;
        });
      }
    }
    await attempt("messageHandler:ipc", () => {
      const handler = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.ipc;
      return handler && typeof handler.postMessage === "function" ? "window.webkit.messageHandlers.ipc.postMessage is there" : "";
    });
    await attempt("unknownAction", async () => {
      await actions.removeFile.call(null, "not-a-uuid");
      return "removeFile of garbage answered";
    });
    // Sign-in: this source has none, so no actions.auth; asking the host
    // for a token anyway, or for another source's, must get nothing.
    await attempt("actionsAuth", () => (actions.auth !== undefined ? "actions.auth is there" : ""));
    const rawCall = (id, action, args) =>
      new Promise((resolve, reject) => {
        const listener = (event) => {
          const m = event.data;
          if (!m || m.satchel !== 1 || m.kind !== "reply" || m.id !== id) return;
          window.removeEventListener("message", listener);
          if (m.ok) resolve(`${action} answered ${JSON.stringify(m.value)}`);
          else reject(new Error(`${m.error && m.error.kind}: ${m.error && m.error.message}`));
        };
        window.addEventListener("message", listener);
        const message = { satchel: 1, kind: "call", id, action };
        if (args !== undefined) message.args = args;
        window.parent.postMessage(message, "*");
      });
    await attempt("authToken", () => rawCall(990001, "authToken"));
    await attempt("authTokenOfAnother", () => rawCall(990002, "authToken", { source: "teamFiles" }));
    await attempt("authSignInOfAnother", () => rawCall(990003, "authSignIn", { source: "teamFiles" }));
    results.done = true;
    show();
  },
};
