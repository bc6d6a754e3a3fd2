// Filestack's "Add raw file … and goto summary view", written the ways
// sources write it: a loop that does not await, then one that does. Every
// file must land, and the summary show once they have.
const rawLoop = {
  label: "Raw loop",
  name: "rawLoop",
  mounted(element, actions) {
    const button = document.createElement("button");
    button.id = "add-raw";
    button.textContent = "Add five files";
    button.addEventListener("click", async () => {
      for (let i = 0; i < 3; i++) {
        actions.addRawFile(new File([`loose ${i}\n`], `loose-${i}.txt`, { type: "text/plain" }));
      }
      for (let i = 0; i < 2; i++) {
        await actions.addRawFile(new File([`awaited ${i}\n`], `awaited-${i}.txt`, { type: "text/plain" }));
      }
    });
    element.appendChild(button);
  },
};
