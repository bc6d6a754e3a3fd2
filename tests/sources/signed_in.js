// A source that signs in (its config entry has `auth`): it lists the files
// of a protected API with its own fetch and `actions.auth.token()`, looks each
// file up with metadata and adds it with addCustomUrl (or, for names starting
// "fetched-", fetchAndAddUrl), all without headers: Rust adds the Bearer token
// to each, since the API is one of the source's `connect` origins.
// __API__ is the protected API's origin.
const API = "__API__";

export default {
  label: "Team cloud",
  name: "teamCloud",
  async mounted(element, actions) {
    const report = document.createElement("pre");
    report.id = "result";
    const state = { user: actions.auth.user, hasAuth: typeof actions.auth === "object", lists: 0 };
    const say = () => (report.textContent = JSON.stringify(state));

    const list = document.createElement("button");
    list.id = "list";
    list.textContent = "List files";
    const files = document.createElement("ul");
    list.addEventListener("click", async () => {
      try {
        const token = await actions.auth.token();
        const answer = await fetch(`${API}/files`, { headers: { Authorization: `Bearer ${token}` } });
        if (!answer.ok) throw new Error(`the API answered ${answer.status}`);
        const found = await answer.json();
        files.replaceChildren(
          ...found.map((file) => {
            const item = document.createElement("li");
            const add = document.createElement("button");
            add.dataset.file = file.name;
            add.textContent = file.name;
            add.addEventListener("click", async () => {
              try {
                const meta = await actions.metadata(file.url);
                state.sizes = { ...state.sizes, [file.name]: meta.size };
                if (file.name.startsWith("fetched-")) await actions.fetchAndAddUrl(file.url);
                else await actions.addCustomUrl({ url: file.url, type: file.type, filename: file.name });
                state.added = [...(state.added || []), file.name];
              } catch (error) {
                state.addError = error.message;
              }
              say();
            });
            item.append(add);
            return item;
          }),
        );
        state.lists++;
        state.listed = found.map((f) => f.name);
        state.listError = null;
      } catch (error) {
        state.listError = `${error.kind ?? ""}: ${error.message}`;
      }
      say();
    });

    const out = document.createElement("button");
    out.id = "sign-out";
    out.textContent = "Sign out";
    out.addEventListener("click", () => actions.auth.signOut());

    element.append(list, out, files, report);
    say();
  },
};
