// Broken on purpose: a syntax error.
export default {
  label: "Broken syntax",
  name: "brokenSyntax",
  mounted: (element, actions) => {
    element.textContent = "never";
  ,
};
