// A custom source in the style of Filestack's tutorial: a static list of
// links the person can pick, added with addCustomUrl, then the summary.
// The test suite replaces __BASE__ with its HTTP server's address.
const BASE = "__BASE__";

const files = [
  { name: "Mountains", file: "mountains.png", type: "image/png" },
  { name: "Notes", file: "notes.txt", type: "text/plain" },
];

export default {
  label: "Team files",
  name: "teamFiles",
  icon: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M3 6h7l2 2h9v11H3z" fill="#4a7"/></svg>',
  mounted: (element, actions) => {
    const list = document.createElement("ul");
    for (const item of files) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.textContent = item.name;
      button.dataset.file = item.file;
      button.addEventListener("click", async () => {
        await actions.addCustomUrl({
          url: `${BASE}/files/${item.file}`,
          type: item.type,
          filename: item.file,
          display_name: item.name,
          headers: { Authorization: "Bearer team-token" },
        });
        button.textContent = `${item.name} ✓ (${actions.count})`;
      });
      li.appendChild(button);
      list.appendChild(li);
    }
    // A source may call origins it declared (--source-connect or config);
    // the frame's policy refuses every other.
    const direct = document.createElement("p");
    direct.id = "direct-fetch";
    fetch(`${BASE}/files/notes.txt`)
      .then((r) => r.text())
      .then((t) => (direct.textContent = `fetched: ${t.trim()}`))
      .catch((e) => (direct.textContent = `refused: ${e.message}`));
    element.appendChild(direct);

    const done = document.createElement("button");
    done.id = "view-summary";
    done.textContent = "View selected";
    done.addEventListener("click", () => actions.showSummaryView());
    element.appendChild(list);
    element.appendChild(done);
  },
  unmounted: (element) => {
    element.innerHTML = "";
  },
};
