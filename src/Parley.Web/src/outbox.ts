// Messages typed while offline (or while the server is unreachable) wait here, in local storage, and are sent again
// with the same client message id until the server has them: a retry can never duplicate a message.
import { signal } from "@preact/signals";
import { api, ApiError, Message } from "./api";
import { applyMessages, session } from "./state";

export interface Pending {
  clientMessageId: string; conversationId: number; content: string; threadRootId: number | null;
  attachmentIds: string[]; createdAt: string; error?: string;
}

const key = "parley.outbox";
export const outbox = signal<Pending[]>(load());

function load(): Pending[] {
  try { return JSON.parse(localStorage.getItem(key) ?? "[]"); } catch { return []; }
}

function save(next: Pending[]) {
  outbox.value = next;
  localStorage.setItem(key, JSON.stringify(next));
}

/** What still waits for a conversation (and thread), less what the server has already echoed back live. */
export function pendingIn(conversationId: number, threadRootId: number | null, delivered: Iterable<Message>): Pending[] {
  const arrived = new Set<string>();
  for (const m of delivered) if (m.clientMessageId) arrived.add(m.clientMessageId);
  return outbox.value.filter(p => p.conversationId === conversationId && p.threadRootId === threadRootId && !arrived.has(p.clientMessageId));
}

export function enqueue(p: Omit<Pending, "clientMessageId" | "createdAt">) {
  const pending: Pending = { ...p, clientMessageId: crypto.randomUUID(), createdAt: new Date().toISOString() };
  save([...outbox.value, pending]);
  void flush();
}

export function discard(clientMessageId: string) {
  save(outbox.value.filter(p => p.clientMessageId !== clientMessageId));
}

let flushing = false;

/** Sends what waits, oldest first, stopping at the first network failure to keep the order. */
export async function flush() {
  if (flushing || !session.value) return;
  flushing = true;
  try {
    for (const p of [...outbox.value]) {
      if (p.error) continue;
      let sent: Message;
      try {
        sent = await api.send(p.conversationId, p.content, p.clientMessageId, p.threadRootId, p.attachmentIds);
      } catch (e) {
        if (e instanceof ApiError && !e.retryable) {
          save(outbox.value.map(x => (x.clientMessageId === p.clientMessageId ? { ...x, error: e.message } : x)));
          continue;
        }
        return;                                         // offline or server trouble: try again later
      }
      save(outbox.value.filter(x => x.clientMessageId !== p.clientMessageId));
      applyMessages(p.conversationId, [sent]);
    }
  } finally {
    flushing = false;
  }
}

addEventListener("online", () => void flush());
setInterval(() => { if (outbox.value.length) void flush(); }, 5000);
