// Remembers a person's choice in localStorage, as real sources do, and
// reports what it found, for the end-to-end test. Also tries the storage
// quota and document.cookie.
const keeper = {
  label: "Keeper",
  name: "keeper",
  mounted(element) {
    const r = {};
    r.choiceBefore = localStorage.getItem("choice");
    r.sessionBefore = sessionStorage.getItem("visit");
    localStorage.setItem("choice", "dark");
    localStorage.counter = String(Number(localStorage.counter || 0) + 1);
    localStorage.setItem("gone", "soon");
    localStorage.removeItem("gone");
    sessionStorage.setItem("visit", "1");
    r.keys = Object.keys(localStorage).sort();
    r.length = localStorage.length;
    r.cookie = document.cookie;
    document.cookie = "tracker=1";
    r.cookieAfter = document.cookie;
    try {
      localStorage.setItem("huge", "x".repeat(6 * 1024 * 1024));
      r.quota = "stored";
    } catch (error) {
      r.quota = error.name;
    }
    r.hugeKept = localStorage.getItem("huge") !== null;
    r.done = true;
    const out = document.createElement("pre");
    out.id = "kept";
    out.textContent = JSON.stringify(r);
    element.append(out);
  },
};
