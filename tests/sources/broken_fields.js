// Broken on purpose: no name, and mounted is not a function.
export default {
  label: "Broken fields",
  mounted: "not a function",
};
