// Broken on purpose: loads fine, throws when mounted.
export default {
  label: "Throws on mount",
  name: "throwsOnMount",
  mounted: () => {
    throw new Error("the API key is missing");
  },
};
