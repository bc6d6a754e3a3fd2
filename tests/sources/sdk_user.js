// A source that loads its provider's SDK and style sheet, as real
// integrations do (`<script src="https://apis.google.com/js/api.js">`), from
// the origin it declared under `scripts`; and what must stay refused: another
// origin, a script whose Subresource Integrity does not match, and eval.
// The test suite fills in __BASE__, __OTHER__ (the same server under another
// origin), __SRI_OK__ and __SRI_BAD__.
const BASE = "__BASE__";
const OTHER = "__OTHER__";

function load(src, integrity) {
  return new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = src;
    if (integrity) {
      script.integrity = integrity;
      script.crossOrigin = "anonymous";
    }
    script.onload = () => resolve("loaded");
    script.onerror = () => resolve("refused");
    document.head.append(script);
  });
}

export default {
  label: "SDK user",
  name: "sdkUser",
  mounted(element) {
    const out = document.createElement("pre");
    out.id = "sdk";
    element.append(out);
    (async () => {
      const r = {};
      r.declared = await load(`${BASE}/sdk/loader.js`);
      r.pinned = await load(`${BASE}/sdk/pinned.js`, "__SRI_OK__");
      r.tampered = await load(`${BASE}/sdk/tampered.js`, "__SRI_BAD__");
      r.undeclared = await load(`${OTHER}/sdk/loader.js`);
      r.runs = window.sdkRuns || 0;
      try {
        r.eval = String(eval("6 * 7"));
      } catch (error) {
        r.eval = `refused: ${error.name}`;
      }
      await new Promise((resolve) => {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = `${BASE}/sdk/style.css`;
        link.onload = link.onerror = resolve;
        document.head.append(link);
      });
      r.styled = getComputedStyle(document.documentElement).getPropertyValue("--sdk-styled").trim();
      r.done = true;
      out.textContent = JSON.stringify(r);
    })();
  },
};
