// What the user is writing belongs to one conversation, or one thread of it. Drafts are kept in local storage under
// the user's id, one key per draft (so tabs never overwrite each other's whole set), and survive switches and reloads.
// Files being attached belong to the same place; a file cannot be stored, so they live as long as this tab does.
import { effect, signal } from "@preact/signals";
import { ApiError, FileInfo, upload } from "./api";
import { session } from "./state";

/** Where a draft belongs: a conversation, and a thread of it or its main timeline. */
export function draftPlace(conversationId: number, threadRootId: number | null) {
  return `${conversationId}.${threadRootId ?? "main"}`;
}

function storageKey(place: string) {
  return `parley.draft.${session.value?.me.id ?? "nobody"}.${place}`;
}

export function loadDraft(place: string): string {
  try { return localStorage.getItem(storageKey(place)) ?? ""; } catch { return ""; }
}

export function saveDraft(place: string, text: string) {
  try {
    if (text) localStorage.setItem(storageKey(place), text);
    else localStorage.removeItem(storageKey(place));
  } catch { /* storage full or denied: the draft still lives in the composer */ }
}

export interface Upload { key: number; name: string; progress: number; file?: FileInfo; error?: ApiError | "failed"; }

/** Files attached (uploading, uploaded or failed) per draft place. */
export const uploads = signal<ReadonlyMap<string, Upload[]>>(new Map());
let uploadKeys = 0;

export function uploadsAt(place: string): Upload[] {
  return uploads.value.get(place) ?? [];
}

function change(place: string, edit: (list: Upload[]) => Upload[]) {
  const next = new Map(uploads.value);
  const list = edit(next.get(place) ?? []);
  if (list.length) next.set(place, list); else next.delete(place);
  uploads.value = next;
}

/** Uploads files into the conversation of this place; they stay attached to it whatever the user opens meanwhile. */
export function attach(place: string, conversationId: number, files: Iterable<File>) {
  for (const file of files) {
    const key = ++uploadKeys;
    change(place, list => [...list, { key, name: file.name, progress: 0 }]);
    const update = (patch: Partial<Upload>) => change(place, list => list.map(u => (u.key === key ? { ...u, ...patch } : u)));
    upload(conversationId, file, progress => update({ progress }))
      .then(info => update({ file: info, progress: 1 }))
      .catch(e => update({ error: e instanceof ApiError ? e : "failed" }));
  }
}

export function removeUpload(place: string, key: number) {
  change(place, list => list.filter(u => u.key !== key));
}

export function clearUploads(place: string) {
  change(place, () => []);
}

// Another person signing in on this device must not find the files of the one before.
let signedInAs: string | null = session.peek()?.me.id ?? null;
effect(() => {
  const userId = session.value?.me.id ?? null;
  if (userId !== signedInAs) { signedInAs = userId; uploads.value = new Map(); }
});
