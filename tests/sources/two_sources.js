// Broken on purpose: a classic script with two source objects, so Satchel
// cannot tell which one is meant and must say so, naming both.
const customSource = { label: "One", mounted: () => {} };
const otherSource = { label: "Two", mounted: () => {} };
