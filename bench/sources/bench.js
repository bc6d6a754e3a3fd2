// The bench's custom source (bench/window.rs). Each button runs one action,
// timed inside the frame from the call to the resolved promise, and writes
// the result into #results for the bench to read.
const RAW_SIZE = __RAW_SIZE__;
const URL = "__URL__";

// Kept for the frame's life, not one mount's: addRawFile shows the summary
// once the file lands, which unmounts the source (emptying its element),
// and the bench opens it again for the next run. So the results and the
// blob live here, and #results sits outside the source's element. The blob
// is made before any timing, so its memory is in the baseline.
const results = {};
const out = document.createElement("pre");
out.id = "results";
const show = () => (out.textContent = JSON.stringify(results));
const bytes = new Uint8Array(RAW_SIZE);
for (let i = 0; i < RAW_SIZE; i += 4096) bytes[i] = i & 255;
const blob = new File([bytes], "raw.bin", { type: "application/octet-stream" });
results.ready = true;
document.body.appendChild(out);
show();

export default {
  label: "Bench",
  name: "bench",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect x="4" y="4" width="16" height="16" fill="#36c"/></svg>',
  mounted(element, actions) {
    // Each click adds one timing to results[key].
    const timed = (key, action) => async () => {
      const runs = (results[key] = results[key] || []);
      const started = performance.now();
      try {
        const file = await action();
        runs.push({ ms: performance.now() - started, size: file.size });
      } catch (error) {
        runs.push({ error: String(error && error.message) });
      }
      show();
    };
    const button = (id, run) => {
      const b = document.createElement("button");
      b.id = id;
      b.textContent = id;
      b.addEventListener("click", run);
      element.appendChild(b);
    };
    button("raw", timed("raw", () => actions.addRawFile(blob)));
    button("fetch", timed("fetch", () => actions.fetchAndAddUrl(URL)));
  },
};
