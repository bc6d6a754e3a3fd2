// Misbehaves without trying to escape: floods the host with requests, sends
// one far over the size limit, never returns from mounted(), and acts after
// it was unmounted. What came of each goes into #unruly (on the frame's
// body, outside the mount point, so it outlives unmounting) for the
// end-to-end test to read.
const BASE = "__BASE__";
const FLOOD = 10000;

const results = {};
let actionsSeen = null;

function show() {
  let out = document.getElementById("unruly");
  if (!out) {
    out = document.createElement("pre");
    out.id = "unruly";
    document.body.appendChild(out);
  }
  out.textContent = JSON.stringify(results);
}

const within = (ms, promise) =>
  Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve("timed out"), ms))]);

export default {
  label: "Unruly",
  name: "unruly",
  async mounted(element, actions) {
    actionsSeen = actions;
    // A busy loop: in WebKitGTK a sandboxed frame runs on the page's own
    // thread, so this freezes the host too, for as long as it lasts.
    const spinUntil = Date.now() + 1500;
    while (Date.now() < spinUntil) {
      // spin
    }
    element.textContent = "flooding…";

    // Every request at once, none awaited before the next is sent.
    const started = performance.now();
    // (removeFile: getFile answers from the frame's own copy, sending nothing.)
    const all = Promise.allSettled(Array.from({ length: FLOOD }, () => actions.removeFile("not-a-uuid")));
    const settled = await within(60000, all);
    if (settled === "timed out") {
      results.flood = { sent: FLOOD, answered: "replies went missing" };
    } else {
      const refused = (pattern) => settled.filter((s) => s.status === "rejected" && pattern.test(s.reason.message)).length;
      results.flood = {
        sent: FLOOD,
        answered: settled.length,
        // Refused by the frame's queue bound (or the host's), or performed
        // (and refused by Rust: not a uuid).
        busy: refused(/too many requests/),
        performed: refused(/not a file uuid/),
        ms: Math.round(performance.now() - started),
      };
    }
    show();

    // 1 MiB of JSON where 64 KiB is the most.
    results.huge = await within(
      30000,
      actions
        .addCustomUrl({ url: `https://example.com/${"a".repeat(1 << 20)}`, type: "text/plain", filename: "huge.txt" })
        .then(() => "accepted", (error) => error.message),
    );
    results.done = true;
    show();
    // mounted() never returns: the host must not be waiting for it.
    await new Promise(() => {});
  },
  unmounted() {
    // Acting once unmounted: this would add a file if it were performed.
    setTimeout(async () => {
      try {
        await actionsSeen.addCustomUrl({ url: `${BASE}/files/notes.txt`, type: "text/plain", filename: "late.txt" });
        results.afterUnmount = "performed";
      } catch (error) {
        results.afterUnmount = error.message;
      }
      show();
    }, 0);
  },
};
