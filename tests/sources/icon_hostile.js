// An icon that would run a script and load things from outside if it were
// ever drawn as a document: the script, an onload handler, an <image> and
// a CSS url() all call the test's server, which must never hear from them.
// __ICON__ is the icon: inline SVG, or a file name beside this source.
const BASE = "__BASE__";

export default {
  label: "__LABEL__",
  icon: __ICON__,
  mounted(element) {
    element.textContent = "still works";
    element.id = "hostile-icon-mounted";
  },
};
