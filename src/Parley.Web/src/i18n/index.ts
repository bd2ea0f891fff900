// Every user-facing string lives in en.ts and fr.ts; the compiler checks that French has every English key.
import { computed, effect, signal } from "@preact/signals";
import { en } from "./en";
import { fr } from "./fr";

export type Key = keyof typeof en;
export type Language = "en" | "fr";
const dictionaries: Record<Language, Record<Key, string>> = { en, fr };
const storageKey = "parley.language";

export const languageChoice = signal<Language | "auto">((localStorage.getItem(storageKey) as Language | null) ?? "auto");

function fromBrowser(): Language {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "fr" || base === "en") return base;
  }
  return "en";
}

export const language = computed<Language>(() => (languageChoice.value === "auto" ? fromBrowser() : languageChoice.value));

export function chooseLanguage(choice: Language | "auto") {
  if (choice === "auto") localStorage.removeItem(storageKey); else localStorage.setItem(storageKey, choice);
  languageChoice.value = choice;
}

effect(() => { document.documentElement.lang = language.value; });

/** The text for a key in the current language, with {name} placeholders filled in. */
export function t(key: Key, values?: Record<string, string | number>): string {
  let text = dictionaries[language.value][key] ?? en[key];
  if (values) for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** Chooses between the _one and _other forms of a key. */
export function plural(key: Key, count: number): string {
  const form = new Intl.PluralRules(language.value).select(count) === "one" ? key : (`${key}_other` as Key);
  return t(form in en ? form : key, { count });
}

export function formatTime(iso: string) {
  return new Intl.DateTimeFormat(language.value, { hour: "numeric", minute: "2-digit" }).format(new Date(iso));
}

export function formatDateTime(iso: string) {
  return new Intl.DateTimeFormat(language.value, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatDay(iso: string) {
  const date = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (date.toDateString() === today.toDateString()) return t("day.today");
  if (date.toDateString() === yesterday.toDateString()) return t("day.yesterday");
  return new Intl.DateTimeFormat(language.value, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(date);
}

export function formatSize(bytes: number) {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${new Intl.NumberFormat(language.value, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${t(`unit.${units[unit]}` as Key)}`;
}
