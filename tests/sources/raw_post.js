// addRawFile's bytes go straight to Rust, POSTed to the frame's own origin
// with the ticket addRawBegin gave. This source sends one real file over
// several slices, then tries what a hostile source would: bytes without a
// ticket, to another source's origin, past the size it declared, and past
// the spool cap (the test's policy sets spoolMaxPerSource = 24 MiB).
// Each outcome goes to #raw as JSON.
const MIB = 1024 * 1024;

// An action sent as the host's protocol would carry it, bypassing the
// shim's own addRawFile (a hostile source can do this).
let nextId = 900000;
const rawCall = (action, args) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    const onMessage = (event) => {
      if (event.data && event.data.kind === "reply" && event.data.id === id) {
        window.removeEventListener("message", onMessage);
        if (event.data.ok) resolve(event.data.value);
        else reject(new Error(event.data.error.message));
      }
    };
    window.addEventListener("message", onMessage);
    window.parent.postMessage({ satchel: 1, kind: "call", id, action, args }, "*");
  });

const post = (origin, ticket, offset, bytes) =>
  fetch(`${origin}/raw/${ticket}?offset=${offset}&length=${bytes.length}`, {
    method: "POST",
    body: bytes,
  });

// What came back: "accepted" only for a 2xx.
async function outcome(send) {
  try {
    const response = await send();
    if (response.ok) return "accepted";
    const said = await response.json().catch(() => ({}));
    return `refused ${response.status}: ${said.kind}: ${said.message}`;
  } catch (error) {
    return `blocked: ${error.name}: ${error.message}`;
  }
}

// In the body, not the source's element: addRawFile shows the summary,
// which unmounts the source and empties its element.
const out = document.createElement("pre");
out.id = "raw";
document.body.append(out);
const results = {};
const show = () => (out.textContent = JSON.stringify(results));

export default {
  label: "Raw post",
  name: "rawPost",
  mounted(element, actions) {
    const button = document.createElement("button");
    button.id = "run";
    button.textContent = "Run";
    button.addEventListener("click", async () => {
      const own = location.href.replace(/\/$/, "");
      const other = own.replace(/s(\d+)$/, (_, n) => `s${Number(n) + 1}`);

      const made = "00000000-0000-4000-8000-000000000000";
      results.noTicket = await outcome(() => post(own, made, 0, new Uint8Array(4)));
      const small = await rawCall("addRawBegin", { name: "small.bin", size: 4 });
      results.otherOrigin = await outcome(() => post(other, small.spool, 0, new Uint8Array(4)));
      results.pastDeclared = await outcome(() => post(own, small.spool, 0, new Uint8Array(8)));
      await rawCall("addRawAbort", { spool: small.spool }).catch(() => {});

      // Two files that each fit under the cap, but not together: the
      // second's bytes are refused as they arrive.
      const first = await rawCall("addRawBegin", { name: "a.bin", size: 14 * MIB });
      const second = await rawCall("addRawBegin", { name: "b.bin", size: 14 * MIB });
      results.firstWithinCap = await outcome(() => post(own, first.spool, 0, new Uint8Array(14 * MIB)));
      results.pastCap = await outcome(() => post(own, second.spool, 0, new Uint8Array(14 * MIB)));
      // A slice far ahead of the file is refused at once, not held waiting.
      const asked = performance.now();
      results.farAhead = await outcome(() => post(own, first.spool, 64 * MIB, new Uint8Array(4)));
      results.farAheadMs = performance.now() - asked;
      await rawCall("addRawAbort", { spool: first.spool }).catch(() => {});
      await rawCall("addRawAbort", { spool: second.spool }).catch(() => {});
      // An aborted file's ticket is spent.
      results.spentTicket = await outcome(() => post(own, first.spool, 0, new Uint8Array(4)));
      show();

      // Last, a real file over several slices: 20 MiB and 5 bytes, each
      // byte known (the test compares what lands).
      const size = 20 * MIB + 5;
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 12)) & 255;
      try {
        const added = await actions.addRawFile(new File([bytes], "big.bin", { type: "application/octet-stream" }));
        results.added = { size: added.size };
      } catch (error) {
        results.added = { error: error.message };
      }
      results.done = true;
      show();
    });
    element.append(button);
  },
};
