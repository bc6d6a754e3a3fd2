// Throws the first time it is mounted (a service that did not answer, say)
// and works the next: "Try again" must mount it afresh.
let tries = 0;

export default {
  label: "Flaky",
  name: "flaky",
  mounted(element) {
    tries += 1;
    if (tries === 1) throw new Error("the service did not answer");
    const ok = document.createElement("p");
    ok.id = "flaky-ok";
    ok.textContent = `opened on try ${tries}`;
    element.append(ok);
  },
};
