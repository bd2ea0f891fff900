// The full emoji set, from emojibase-data, in the reader's language. Loaded on first use (a chunk of its own per
// language), so the main bundle stays small.
import type { CompactEmoji, MessagesDataset } from "emojibase";
import type { Language } from "./i18n";

export interface EmojiEntry {
  unicode: string;
  label: string;
  group: number;
  /** The label, lower case and without accents. */
  name: string;
  /** Label and tags, lower case and without accents, for search. */
  words: string;
}

export interface EmojiSet { emojis: EmojiEntry[]; groups: Map<number, string>; }

const loaded = new Map<Language, Promise<EmojiSet>>();

/** Lower case, accents removed: "Fête" and "fete" match. */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

async function read(language: Language): Promise<EmojiSet> {
  const [data, messages] = language === "fr"
    ? await Promise.all([import("emojibase-data/fr/compact.json"), import("emojibase-data/fr/messages.json")])
    : await Promise.all([import("emojibase-data/en/compact.json"), import("emojibase-data/en/messages.json")]);
  const groups = new Map((messages.default as MessagesDataset).groups.map(g => [g.order, g.message]));
  const component = (messages.default as MessagesDataset).groups.find(g => g.key === "component")?.order;
  const emojis = (data.default as CompactEmoji[])
    // Skin tone swatches and regional letters are parts of other emoji, not emoji to pick.
    .filter(e => e.group !== undefined && e.group !== component)
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    .map(e => ({ unicode: e.unicode, label: e.label, group: e.group!, name: fold(e.label), words: fold([e.label, ...(e.tags ?? [])].join(" ")) }));
  return { emojis, groups };
}

export function loadEmojis(language: Language): Promise<EmojiSet> {
  let set = loaded.get(language);
  if (!set) {
    set = read(language);
    set.catch(() => loaded.delete(language));          // a failed download is tried again next time
    loaded.set(language, set);
  }
  return set;
}

/**
 * Emoji whose label or tags contain every word of the query (in any order): first those whose name starts with it, then
 * those whose name holds it, then those found by a keyword only ("rocket" finds 🚀 before the astronauts).
 */
export function searchEmojis(set: EmojiSet, query: string): EmojiEntry[] {
  const text = fold(query).trim();
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0) return set.emojis;
  const rank = (e: EmojiEntry) => (e.name.startsWith(text) ? 0 : words.every(w => e.name.includes(w)) ? 1 : 2);
  return set.emojis.filter(e => words.every(w => e.words.includes(w)))
    .map((e, i) => ({ e, i, rank: rank(e) })).sort((a, b) => a.rank - b.rank || a.i - b.i).map(x => x.e);
}
