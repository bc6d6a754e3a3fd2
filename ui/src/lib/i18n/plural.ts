// Plural forms chosen by the language's own rules (Intl.PluralRules).

let rules = new Intl.PluralRules("en");

export function setPluralLocale(locale: string) {
  rules = new Intl.PluralRules(locale);
}

export function plural(n: number, forms: { one: string; other: string }): string {
  return rules.select(n) === "one" ? forms.one : forms.other;
}
