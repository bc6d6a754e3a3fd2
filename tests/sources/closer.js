// Says when its unmounted() runs, where the test can see it even once the
// window is gone: a request to the test's server (declared in `connect`).
// With "hang" in its name it then busies the page's thread for 10 s, as a
// broken source might: closing must not wait for it.
const BASE = "__BASE__";
const HANG = "__HANG__" === "hang";

export default {
  label: "Closer",
  name: "closer",
  mounted(element) {
    element.textContent = "shown";
  },
  unmounted(element) {
    fetch(`${BASE}/unmounted?shown=${encodeURIComponent(element.textContent)}`, { keepalive: true }).catch(() => {});
    if (HANG) {
      const until = Date.now() + 10000;
      while (Date.now() < until) {}
    }
  },
};
