// Uses every action of Filestack's custom-source API once and writes what
// each returned into #results, for the end-to-end test to read.
const BASE = "__BASE__";

export default {
  label: "Every action",
  name: "everyAction",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="#e63"/></svg>',
  async mounted(element, actions) {
    const results = {};
    const out = document.createElement("pre");
    out.id = "results";
    element.appendChild(out);
    const show = () => (out.textContent = JSON.stringify(results));
    const record = async (key, fn) => {
      try {
        results[key] = { ok: true, value: await fn() };
      } catch (error) {
        results[key] = { ok: false, error: String(error && error.message) };
      }
      show();
    };

    const upload = document.createElement("button");
    upload.id = "start-uploading";
    upload.textContent = "Upload now";
    upload.addEventListener("click", () => actions.startUploading());
    const summary = document.createElement("button");
    summary.id = "show-summary";
    summary.textContent = "Show summary";
    summary.addEventListener("click", () => actions.showSummaryView());
    element.append(upload, summary);

    await record("config", () => actions.config);
    await record("countBefore", () => actions.count);

    // 10 MiB and 7 bytes: several chunks, and a short last one.
    const size = 10 * 1024 * 1024 + 7;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 11)) & 255;
    await record("addRawFile", async () => {
      const file = await actions.addRawFile(new File([bytes], "generated.bin", { type: "application/octet-stream" }));
      return { file, countAfter: actions.count };
    });
    await record("fetchAndAddUrl", async () => {
      const file = await actions.fetchAndAddUrl(`${BASE}/private/report.pdf`, { Authorization: "Bearer every" });
      return { file, countAfter: actions.count };
    });
    await record("fetchRefused", () => actions.fetchAndAddUrl(`${BASE}/private/report.pdf`));
    await record("metadata", () => actions.metadata(`${BASE}/files/mountains.png`));
    await record("addCustomUrlMissingType", () =>
      actions.addCustomUrl({ url: `${BASE}/files/notes.txt`, filename: "notes.txt" }),
    );
    await record("addCustomUrl", async () => {
      const file = await actions.addCustomUrl({
        url: `${BASE}/files/notes.txt`,
        type: "text/plain",
        filename: "notes.txt",
        display_name: "Team notes",
        headers: { "X-Team": "blue" },
      });
      return { file, countAfter: actions.count };
    });
    await record("getFile", () => actions.getFile(results.addCustomUrl.value.file.uuid));
    await record("getFileUnknown", () => actions.getFile("00000000-0000-4000-8000-000000000000"));
    await record("fileList", () => actions.fileList.map((f) => f.filename));
    await record("removeFile", async () => {
      await actions.removeFile(results.fetchAndAddUrl.value.file.uuid);
      return { countAfter: actions.count, list: actions.fileList.map((f) => f.filename) };
    });
    // Filestack's call patterns: addCustomUrl changes count before it
    // returns (undone if refused), and getFile answers synchronously.
    await record("syncPatterns", async () => {
      const before = actions.count;
      const adding = actions.addCustomUrl({ url: `${BASE}/files/mountains.png`, type: "image/png", filename: "sync.png" });
      const countRightAway = actions.count;
      const file = await adding;
      const found = actions.getFile(file.uuid);
      const refusing = actions.addCustomUrl({ url: "ftp://example.com/x", type: "text/plain", filename: "refused.txt" });
      const countWhileWaiting = actions.count;
      const refusal = await refusing.then(() => "accepted", (error) => error.message);
      const countAfterRefusal = actions.count;
      const removing = actions.removeFile(file.uuid);
      const countRightAfterRemove = actions.count;
      await removing;
      return {
        before,
        countRightAway,
        foundSynchronously: found !== undefined && typeof found.then !== "function" && found.filename === "sync.png",
        countWhileWaiting,
        refusal,
        countAfterRefusal,
        countRightAfterRemove,
        gone: actions.getFile(file.uuid) === undefined,
      };
    });
    results.done = true;
    show();
  },
  unmounted() {},
};
