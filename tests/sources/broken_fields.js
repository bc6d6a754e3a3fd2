// Broken on purpose: mounted is not a function (a missing name is fine:
// it is made from the label).
export default {
  label: "Broken fields",
  mounted: "not a function",
};
