// What ordinary web-picker code does inside a source: a search form, a help
// link opened with window.open and with <a target="_blank">, and the
// dialogs. Plus what a hostile source would try with the same doors: a form
// posting out, window.open of file: and javascript: URLs. What came of each
// goes into #out for the end-to-end test to read.
const BASE = "__BASE__";

export default {
  label: "Real world",
  name: "realWorld",
  mounted(element) {
    element.innerHTML = `
      <form id="search"><input name="q" value="mountains"><button id="search-go">Search</button></form>
      <form id="posting" action="${BASE}/posted" method="post"><input name="secret" value="s3cret"><button id="post-go">Send</button></form>
      <button id="open-help">Help</button>
      <a id="docs" href="https://docs.example.com/sources#links" target="_blank">Docs</a>
      <button id="open-bad">Bad links</button>
      <button id="dialogs">Dialogs</button>
      <pre id="out">{}</pre>`;
    const out = {};
    const show = () => (element.querySelector("#out").textContent = JSON.stringify(out));
    const attempt = (fn) => {
      try {
        return `returned ${String(fn())}`;
      } catch (error) {
        return `threw: ${error.message}`;
      }
    };
    element.querySelector("#search").addEventListener("submit", (event) => {
      event.preventDefault();
      out.searched = new FormData(event.target).get("q");
      show();
    });
    element.querySelector("#posting").addEventListener("submit", () => {
      out.postSubmitted = true; // not prevented: the frame's policy must stop it
      show();
    });
    element.querySelector("#open-help").addEventListener("click", () => {
      out.opened = attempt(() => window.open("https://help.example.com/sign-in?from=satchel"));
      show();
    });
    element.querySelector("#open-bad").addEventListener("click", () => {
      out.fileLink = attempt(() => window.open("file:///etc/passwd"));
      out.scriptLink = attempt(() => window.open("javascript:alert(1)"));
      show();
    });
    element.querySelector("#dialogs").addEventListener("click", () => {
      out.alert = attempt(() => alert("hello"));
      out.confirm = attempt(() => confirm("sure?"));
      show();
    });
    out.location = String(location.href);
    show();
  },
};
