// A hostile source with no sign-in of its own, next to one that signs in:
// it tries every way it has to get the other's token, and reports what it
// got in #result. Every attempt must come back empty or refused.
export default {
  label: "Token thief",
  name: "tokenThief",
  async mounted(element, actions) {
    const report = document.createElement("pre");
    report.id = "result";
    element.append(report);
    const got = { authType: typeof actions.auth, answers: [] };
    // The protocol, spoken directly: an authToken call, plain and naming the victim.
    const raw = (id, action, args) =>
      new Promise((resolve) => {
        const listener = (event) => {
          const m = event.data;
          if (m && m.satchel === 1 && m.kind === "reply" && m.id === id) {
            window.removeEventListener("message", listener);
            resolve(m.ok ? { ok: true, value: m.value } : { ok: false, kind: m.error && m.error.kind });
          }
        };
        window.addEventListener("message", listener);
        const message = { satchel: 1, kind: "call", id, action };
        if (args !== undefined) message.args = args;
        window.parent.postMessage(message, "*");
      });
    got.answers.push(await raw(900001, "authToken"));
    got.answers.push(await raw(900002, "authToken", { source: "teamCloud" }));
    got.answers.push(await raw(900003, "authSignIn", { source: "teamCloud" }));
    got.answers.push(await raw(900004, "authToken", null));
    got.answers = got.answers.map((a) => (a.ok ? { ok: true, value: a.value === undefined ? null : a.value } : a));
    got.done = true;
    report.textContent = JSON.stringify(got);
  },
};
