// The window's language: chosen once at start-up (from `--lang`, the config
// or the system locale, as Rust decided) before anything is drawn.

import en, { type Messages } from "./en";
import de from "./de";
import { setPluralLocale } from "./plural";

const CATALOGUES: Record<string, Messages> = { en, de };

/** The messages in use; `t.summary.files(3)` and so on. */
export let t: Messages = en;
/** The BCP 47 tag numbers and dates are formatted for. */
export let locale = "en";

/** "de-AT" → German messages, Austrian formats; unknown languages → English. */
export function setLocale(tag: string) {
  const language = tag.toLowerCase().split(/[-_.]/)[0] ?? "en";
  t = CATALOGUES[language] ?? en;
  locale = isValidTag(tag) ? tag : language in CATALOGUES ? language : "en";
  setPluralLocale(locale);
  if (typeof document !== "undefined") document.documentElement.lang = CATALOGUES[language] ? language : "en";
}

function isValidTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}
