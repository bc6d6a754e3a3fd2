import { mount } from "svelte";
import App from "./App.svelte";
import * as ipc from "./lib/ipc";
import { setLocale } from "./lib/i18n";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

// The language is known before the first paint, so nothing flips.
const config = await ipc.uiConfig().catch(() => null);
setLocale(config?.locale ?? navigator.language);

export default mount(App, {
  target,
  props: { options: config?.options ?? null, defaultMaxFiles: config?.defaultMaxFiles ?? 1000 },
});
