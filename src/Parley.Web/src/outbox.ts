// Messages wait here until the server has them: typed offline, while the server is unreachable, or while the session
// had ended. Each user has an outbox of their own in IndexedDB, one record per message keyed by its client message id,
// so tabs add and remove their own records without overwriting each other's. One tab at a time sends (a Web Lock), the
// same id every time, so a retry can never duplicate a message. Nothing is dropped without the user's say: a message
// the server refuses stays, marked failed, until it is retried or discarded.
import { effect, signal } from "@preact/signals";
import { api, ApiError, Message } from "./api";
import { applyMessages, session } from "./state";

export interface Pending {
  clientMessageId: string; conversationId: number; content: string; threadRootId: number | null;
  attachmentIds: string[]; createdAt: string;
  /** Set when the server refused it for good: its problem, shown with a retry. */
  error?: { status: number; code: string; message: string };
}

/** The signed-in user's outbox, oldest first. */
export const outbox = signal<Pending[]>([]);
/** The last message queued here, so the view that sent it can bring it into sight. */
export const lastQueued = signal<{ conversationId: number; threadRootId: number | null } | null>(null);

const store = "messages";
const databases = new Map<string, Promise<IDBDatabase>>();
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("parley.outbox") : null;

function database(userId: string): Promise<IDBDatabase> {
  let db = databases.get(userId);
  if (!db) {
    db = new Promise((resolve, reject) => {
      const request = indexedDB.open(`parley.outbox.${userId}`, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(store, { keyPath: "clientMessageId" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    databases.set(userId, db);
    db.catch(() => databases.delete(userId));
  }
  return db;
}

async function transact<T>(userId: string, mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  const db = await database(userId);
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const request = work(tx.objectStore(store));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

async function readAll(userId: string): Promise<Pending[]> {
  const all = (await transact<Pending[]>(userId, "readonly", s => s.getAll())) ?? [];
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

const currentUser = () => session.value?.me.id ?? null;

/** Reloads the signal from the database (after a change here or in another tab). */
async function refresh() {
  const userId = currentUser();
  const all = userId ? await readAll(userId) : [];
  if (currentUser() === userId) outbox.value = all;
}

async function changed() {
  await refresh();
  channel?.postMessage("changed");
}

channel?.addEventListener("message", () => void refresh());

/** What still waits for a conversation (and thread), less what the server has already echoed back live. */
export function pendingIn(conversationId: number, threadRootId: number | null, delivered: Iterable<Message>): Pending[] {
  const arrived = new Set<string>();
  for (const m of delivered) if (m.clientMessageId) arrived.add(m.clientMessageId);
  return outbox.value.filter(p => p.conversationId === conversationId && p.threadRootId === threadRootId && !arrived.has(p.clientMessageId));
}

export async function enqueue(p: Omit<Pending, "clientMessageId" | "createdAt" | "error">) {
  const userId = currentUser();
  if (!userId) return;
  const pending: Pending = { ...p, clientMessageId: crypto.randomUUID(), createdAt: new Date().toISOString() };
  outbox.value = [...outbox.value, pending];                   // shown at once; the database follows
  lastQueued.value = { conversationId: p.conversationId, threadRootId: p.threadRootId };
  await transact(userId, "readwrite", s => s.put(pending));
  await changed();
  void flush();
}

export async function discard(clientMessageId: string) {
  const userId = currentUser();
  if (!userId) return;
  await transact(userId, "readwrite", s => s.delete(clientMessageId));
  await changed();
}

/** Sends a refused message again (after the reason went away: the sender was added back, say). */
export async function retry(clientMessageId: string) {
  const userId = currentUser();
  const p = outbox.value.find(x => x.clientMessageId === clientMessageId);
  if (!userId || !p) return;
  await transact(userId, "readwrite", s => s.put({ ...p, error: undefined }));
  await changed();
  await flush();
}

let running = false;
let again = false;

/**
 * Sends what waits until nothing does, oldest first. A call made while a flush runs makes it look again, so a
 * message queued meanwhile goes out in the same run, not at the next timer.
 */
export async function flush() {
  again = true;
  if (running) return;
  running = true;
  try {
    while (again) {
      again = false;
      const userId = currentUser();
      if (!userId) return;
      await exclusively(userId, () => sendAll(userId));
    }
  } finally {
    running = false;
  }
}

function exclusively(userId: string, work: () => Promise<void>): Promise<void> {
  return navigator.locks ? navigator.locks.request(`parley.outbox.${userId}`, () => work()).then(() => {}) : work();
}

/** Stops at the first network failure (to keep the order) or when the session is no longer accepted (kept for later). */
async function sendAll(userId: string) {
  for (;;) {
    const waiting = (await readAll(userId)).filter(p => !p.error);
    if (waiting.length === 0) return;
    for (const p of waiting) {
      if (currentUser() !== userId) return;
      let sent: Message;
      try {
        sent = await api.send(p.conversationId, p.content, p.clientMessageId, p.threadRootId, p.attachmentIds);
      } catch (e) {
        if (!(e instanceof ApiError) || e.retryable || e.status === 0 || e.status === 401) return;
        await transact(userId, "readwrite", s => s.put({ ...p, error: { status: e.status, code: e.code, message: e.message } }));
        await changed();
        continue;
      }
      await transact(userId, "readwrite", s => s.delete(p.clientMessageId));
      applyMessages(p.conversationId, [sent]);
      await changed();
    }
  }
}

// The signed-in user's outbox is shown and sent; another user's waits for them.
effect(() => {
  if (session.value) void refresh().then(() => flush());
  else outbox.value = [];
});
addEventListener("online", () => void flush());
setInterval(() => { if (outbox.value.some(p => !p.error)) void flush(); }, 5000);
