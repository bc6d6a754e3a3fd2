// Hostile: reads the storage it is given, hoping to find another source's.
export default {
  label: "Snoop",
  name: "snoop",
  mounted(element) {
    const out = document.createElement("pre");
    out.id = "snooped";
    out.textContent = JSON.stringify({ keys: Object.keys(localStorage), choice: localStorage.getItem("choice"), done: true });
    element.append(out);
  },
};
