// Filestack's Custom Source snippet (shared/seed), as it stands, filled in:
// a classic script with no export and no name, and `icon: 'ICON.svg'` naming
// the file beside it. The test suite replaces __BASE__ with its server.
const customSource = {
  label: 'LABEL_IN_MENU',
  icon: 'ICON.svg',
  mounted: (element, actions) => {
    const button = document.createElement('button');
    button.id = 'seed-add';
    button.textContent = 'Add the notes';
    button.addEventListener('click', () => {
      actions
        .addCustomUrl({ url: '__BASE__/files/notes.txt', type: 'text/plain', filename: 'notes.txt' })
        .then(() => actions.showSummaryView());
    });
    element.appendChild(button);
  },

  unmounted: (element) => {
  },
};
