// Broken on purpose: a name with spaces (the seed forbids them).
export default {
  label: "Broken name",
  name: "has spaces",
  mounted: () => {},
};
