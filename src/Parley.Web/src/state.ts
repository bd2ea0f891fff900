// Application state as signals. Messages are kept per conversation by id; views derive their lists from them.
import { computed, effect, signal } from "@preact/signals";
import { api, Conversation, Me, Message, setToken, User } from "./api";

const sessionKey = "parley.session";

export interface SessionState { token: string; me: Me; }

function loadSession(): SessionState | null {
  try { return JSON.parse(localStorage.getItem(sessionKey) ?? "null"); } catch { return null; }
}

export const session = signal<SessionState | null>(loadSession());
setToken(session.value?.token ?? null);

/** Why the sign-in screen shows: the session expired, or it was ended elsewhere (revoked, deactivated). */
export type SignedOutReason = "expired" | "ended";
const reasonKey = "parley.signedOutReason";

/** Kept for the tab's life, so that a reload after the session ended still says why sign-in shows. */
function loadReason(): SignedOutReason | null {
  const stored = sessionStorage.getItem(reasonKey);
  return stored === "expired" || stored === "ended" ? stored : null;
}

export const signedOutReason = signal<SignedOutReason | null>(loadReason());

export function signIn(state: SessionState) {
  localStorage.setItem(sessionKey, JSON.stringify(state));
  setToken(state.token);
  sessionStorage.removeItem(reasonKey);
  signedOutReason.value = null;
  session.value = state;
}

/**
 * Forgets the session on this device. Unsent messages stay in the user's own outbox (outbox.ts) and go out when the
 * same person signs in again; drafts stay under the user's id too.
 */
export function signOut(reason: SignedOutReason | null = null) {
  localStorage.removeItem(sessionKey);
  setToken(null);
  if (reason) sessionStorage.setItem(reasonKey, reason);
  else sessionStorage.removeItem(reasonKey);
  signedOutReason.value = reason;
  session.value = null;
  conversations.value = [];
  timelines.value = new Map();
  users.value = new Map();
}

export type ConnectionState = "connecting" | "online" | "reconnecting" | "offline";
export const connection = signal<ConnectionState>("connecting");

export const users = signal<Map<string, User>>(new Map());
export const presence = signal<Set<string>>(new Set());
export const conversations = signal<Conversation[]>([]);
export const route = signal<string>(location.pathname);

/** Everything known about one conversation's messages. */
export interface Timeline {
  messages: Map<number, Message>;
  oldestSeq: number | null;   // the oldest top-level message loaded; older ones come by paging
  hasMoreBefore: boolean;
  position: number;           // highest record position applied: catch up from here
  loaded: boolean;
}

export const timelines = signal<Map<number, Timeline>>(new Map());
export const typing = signal<Map<number, Map<string, number>>>(new Map());

export const currentConversationId = computed(() => {
  const match = /^\/c\/(\d+)/.exec(route.value);
  return match ? Number(match[1]) : null;
});

/** Goes to a client route; each entry remembers the one it came from, so an in-app Back can be the browser's. */
export function navigate(path: string, options: { replace?: boolean } = {}) {
  if (options.replace) history.replaceState(history.state, "", path);
  else if (location.pathname + location.hash !== path) history.pushState({ from: location.pathname }, "", path);
  route.value = location.pathname;
}

/** Back to `to`: the browser's Back when that is where this entry came from, else a jump there. */
export function goBack(to: string) {
  if ((history.state as { from?: string } | null)?.from === to) history.back();
  else navigate(to, { replace: true });
}
addEventListener("popstate", () => { route.value = location.pathname; });

/** The time, moved every 30 seconds: statuses whose end passed disappear without a reload. */
export const now = signal(Date.now());
setInterval(() => { now.value = Date.now(); }, 30_000);

/** Someone's custom status, if they have one that has not ended. */
export function activeStatus(user: User | undefined) {
  const status = user?.status;
  if (!status || (status.expiresAt && Date.parse(status.expiresAt) <= now.value)) return null;
  return status;
}

/** The person whose profile card is open, if any. */
export const profileCardUserId = signal<string | null>(null);

/**
 * The edit form open, as "<message id>:main" or "<message id>:thread" (a thread's root shows in both places, and only
 * one of them edits): its message opens it, or the up arrow in an empty composer.
 */
export const editingAt = signal<string | null>(null);

/** Bumped for a conversation whenever one of its messages is pinned or unpinned (live, or by this client). */
export const pinChanges = signal<{ conversationId: number; count: number }>({ conversationId: 0, count: 0 });

export function pinChanged(conversationId: number) {
  pinChanges.value = { conversationId, count: pinChanges.value.count + 1 };
}

export function editKey(messageId: number, inThread: boolean) {
  return `${messageId}:${inThread ? "thread" : "main"}`;
}

/** One's own last message, not deleted, in a conversation's main timeline or in one thread: what the up arrow edits. */
export function lastOwnMessage(conversationId: number, threadRootId: number | null): Message | undefined {
  const me = session.value?.me.id;
  return [...timeline(conversationId).messages.values()]
    .filter(m => m.senderId === me && !m.deleted && (threadRootId === null ? m.threadRootId === null : m.threadRootId === threadRootId))
    .sort((a, b) => b.seq - a.seq)[0];
}

/** Takes a changed profile (from the server's answer or a live event) into the people list, and into `me` for oneself. */
export function applyUser(user: User) {
  const next = new Map(users.value);
  next.set(user.id, user);
  users.value = next;
  const current = session.value;
  if (current && current.me.id === user.id && current.me.displayName !== user.displayName)
    signIn({ ...current, me: { ...current.me, displayName: user.displayName } });
}

export function userName(id: string): string {
  return users.value.get(id)?.displayName ?? "…";
}

export function conversationTitle(c: Conversation): string {
  if (c.name) return c.name;
  const me = session.value?.me.id;
  return (c.memberIds ?? []).filter(id => id !== me).map(userName).join(", ") || userName(me ?? "");
}

export function timeline(conversationId: number): Timeline {
  return timelines.value.get(conversationId) ?? { messages: new Map(), oldestSeq: null, hasMoreBefore: true, position: 0, loaded: false };
}

function setTimeline(conversationId: number, next: Timeline) {
  const all = new Map(timelines.value);
  all.set(conversationId, next);
  timelines.value = all;
}

/**
 * Applies messages from any source (a page, a catch-up, a live event, an answer) by id. A top-level message older
 * than what is loaded is left for paging, so the timeline never shows a hole. Only `position`, when the source says
 * that everything up to it is included (a catch-up), moves the timeline's position: see `applyLive` for events.
 */
export function applyMessages(conversationId: number, messages: Message[], position?: number) {
  const current = timeline(conversationId);
  const next = new Map(current.messages);
  const maxPosition = Math.max(current.position, position ?? 0);
  for (const m of messages) {
    const known = next.get(m.id);
    if (known && known.position > m.position) continue;                  // an older copy arrived late
    if (!known && m.threadRootId === null && current.oldestSeq !== null && m.seq < current.oldestSeq) continue;
    next.set(m.id, m);
    // A new reply changes its root's count; the server's copy of the root (same position) wins when it comes.
    const root = !known && m.threadRootId !== null ? next.get(m.threadRootId) : undefined;
    if (root && root.position < m.position) next.set(root.id, { ...root, replyCount: root.replyCount + 1, lastReplyAt: m.createdAt });
  }
  setTimeline(conversationId, { ...current, messages: next, position: maxPosition });
}

export async function loadNewest(conversationId: number) {
  const page = await api.messages(conversationId);
  const current = timeline(conversationId);
  const merged = new Map(current.messages);
  for (const m of page.messages) merged.set(m.id, m);
  setTimeline(conversationId, {
    messages: merged,
    oldestSeq: page.messages.length ? Math.min(page.messages[0].seq, current.oldestSeq ?? Infinity) : current.oldestSeq,
    hasMoreBefore: current.loaded ? current.hasMoreBefore : page.hasMore,
    position: Math.max(current.position, page.position),
    loaded: true,
  });
}

export async function loadOlder(conversationId: number) {
  const current = timeline(conversationId);
  if (!current.hasMoreBefore || current.oldestSeq === null) return;
  const page = await api.messages(conversationId, current.oldestSeq);
  const merged = new Map(current.messages);
  for (const m of page.messages) merged.set(m.id, m);
  setTimeline(conversationId, {
    ...timeline(conversationId),
    messages: merged,
    oldestSeq: page.messages.length ? page.messages[0].seq : current.oldestSeq,
    hasMoreBefore: page.hasMore,
  });
}

export async function loadReplies(conversationId: number, rootId: number) {
  const page = await api.replies(conversationId, rootId);
  applyMessages(conversationId, page.messages);
}

/**
 * A live event. Record positions are contiguous, so an event that is not the next one means that one was missed (a
 * dropped frame, a server that restarted): the message is shown, and the gap is fetched with a catch-up, which alone
 * moves the position past it.
 */
export function applyLive(conversationId: number, message: Message) {
  const t = timeline(conversationId);
  const next = message.position === t.position + 1;
  applyMessages(conversationId, [message], next && t.loaded ? message.position : undefined);
  if (t.loaded && message.position > t.position + 1) void catchUp(conversationId).catch(() => { /* the next event or reconnect tries again */ });
}

const catchingUp = new Map<number, { again: boolean; done: Promise<void> }>();

/** Every change since the last applied position, page after page; calls made meanwhile run once more after it. */
export function catchUp(conversationId: number): Promise<void> {
  const running = catchingUp.get(conversationId);
  if (running) { running.again = true; return running.done; }
  const state = { again: true, done: Promise.resolve() };
  state.done = (async () => {
    try {
      while (state.again) {
        state.again = false;
        let t = timeline(conversationId);
        if (!t.loaded) return;
        for (;;) {
          const changes = await api.changes(conversationId, t.position);
          applyMessages(conversationId, changes.messages, changes.position);
          t = timeline(conversationId);
          if (changes.complete) break;
        }
      }
    } finally {
      catchingUp.delete(conversationId);
    }
  })();
  catchingUp.set(conversationId, state);
  return state.done;
}

/**
 * Replaces the list with the server's, except where live events already took a conversation further than that
 * snapshot (the request and the events race): there the local counts are the newer ones.
 */
export async function refreshConversations() {
  const fresh = await api.conversations();
  const local = new Map(conversations.value.map(c => [c.id, c]));
  conversations.value = fresh.map(c => {
    const known = local.get(c.id);
    return known && known.lastMessageSeq > c.lastMessageSeq
      ? { ...c, lastMessageSeq: known.lastMessageSeq, unread: known.unread, unreadMentions: known.unreadMentions, lastReadSeq: Math.max(c.lastReadSeq, known.lastReadSeq) }
      : c;
  });
}

export async function refreshUsers() {
  const list = await api.users();
  users.value = new Map(list.map(u => [u.id, u]));
}

export function updateConversation(id: number, change: (c: Conversation) => Conversation) {
  conversations.value = conversations.value.map(c => (c.id === id ? change(c) : c));
}

/** What a conversation adds to the title's count: nothing when muted, its mentions alone when "mentions only". */
export function countedUnread(c: Conversation): number {
  return c.notifications === "muted" ? 0 : c.notifications === "mentions" ? c.unreadMentions : c.unread;
}

export const totalUnread = computed(() => conversations.value.reduce((sum, c) => sum + countedUnread(c), 0));

type Badging = { setAppBadge?: (count: number) => Promise<void>; clearAppBadge?: () => Promise<void> };

/** What is unread, where people glance: in the tab's title, "(3) Parley", and on the installed app's icon (Badging API). */
effect(() => {
  const count = session.value ? totalUnread.value : 0;
  document.title = count > 0 ? `(${count > 99 ? "99+" : count}) Parley` : "Parley";
  const badging = navigator as Navigator & Badging;
  void (count > 0 ? badging.setAppBadge?.(count) : badging.clearAppBadge?.())?.catch(() => {});
});
