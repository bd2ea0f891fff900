// The live connection: events are hints applied by id; after any reconnect the client catches up over HTTP.
import * as signalR from "@microsoft/signalr";
import { api, Conversation, Message, User } from "./api";
import { notifyOfMessage } from "./notifications";
import { flush } from "./outbox";
import {
  applyLive, applyUser, catchUp, connection, conversations, presence, refreshConversations, refreshUsers,
  pinChanged, session, timelines, typing, updateConversation,
} from "./state";

let hub: signalR.HubConnection | null = null;

export async function connect() {
  if (hub || !session.value) return;
  const token = session.value.token;
  hub = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/events", { accessTokenFactory: () => token })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(1000 * 2 ** ctx.previousRetryCount, 15000) })
    .configureLogging(signalR.LogLevel.None)
    .build();

  hub.on("MessageCreated", (m: Message) => {
    const known = conversations.value.find(c => c.id === m.conversationId);
    applyLive(m.conversationId, m);
    if (known && m.seq > known.lastMessageSeq) notifyOfMessage(m);
    const mine = m.senderId === session.value?.me.id;
    const mentioned = m.mentionsChannel || m.mentions.includes(session.value?.me.id ?? "");
    updateConversation(m.conversationId, c => {
      if (m.seq <= c.lastMessageSeq) return c;                     // already counted (a snapshot or a repeat)
      // Unread until it is shown, even in the open conversation: the message list marks what reaches the screen.
      const counts = !mine && m.seq > c.lastReadSeq;
      return { ...c, lastMessageSeq: m.seq, unread: c.unread + (counts ? 1 : 0), unreadMentions: c.unreadMentions + (counts && mentioned ? 1 : 0) };
    });
    if (!conversations.value.some(c => c.id === m.conversationId)) void refreshConversations();
    stopTyping(m.conversationId, m.senderId);
  });
  for (const name of ["MessageEdited", "ReactionChanged"])
    hub.on(name, (m: Message) => applyLive(m.conversationId, m));
  hub.on("MessageDeleted", (m: Message) => { applyLive(m.conversationId, m); pinChanged(m.conversationId); });  // it leaves the pins
  hub.on("PinChanged", (m: Message) => { applyLive(m.conversationId, m); pinChanged(m.conversationId); });
  hub.on("ConversationChanged", (c: Conversation) =>
    updateConversation(c.id, old => ({ ...old, name: c.name, topic: c.topic, archived: c.archived })));
  hub.on("MembershipChanged", () => { void refreshConversations(); void refreshUsers(); });
  hub.on("ReadPositionChanged", (p: { conversationId: number; lastReadSeq: number }) =>
    updateConversation(p.conversationId, c => ({ ...c, lastReadSeq: p.lastReadSeq, unread: p.lastReadSeq >= c.lastMessageSeq ? 0 : c.unread, unreadMentions: p.lastReadSeq >= c.lastMessageSeq ? 0 : c.unreadMentions })));
  hub.on("Typing", (t: { conversationId: number; userId: string }) => {
    const all = new Map(typing.value);
    const inConversation = new Map(all.get(t.conversationId) ?? []);
    inConversation.set(t.userId, Date.now() + 5000);
    all.set(t.conversationId, inConversation);
    typing.value = all;
  });
  hub.on("PresenceChanged", (p: { userId: string; online: boolean }) => {
    const next = new Set(presence.value);
    if (p.online) next.add(p.userId); else next.delete(p.userId);
    presence.value = next;
  });
  hub.on("ProfileChanged", (u: User) => applyUser(u));
  hub.onreconnecting(() => { connection.value = "reconnecting"; });
  hub.onreconnected(() => { connection.value = "online"; void resync(); });
  hub.onclose(() => { connection.value = "offline"; hub = null; setTimeout(() => void connect(), 5000); });

  connection.value = "connecting";
  try {
    await hub.start();
    connection.value = "online";
    await resync();
  } catch {
    connection.value = "offline";
    hub = null;
    setTimeout(() => void connect(), 5000);
  }
}

export async function disconnect() {
  const h = hub;
  hub = null;
  if (h) { h.off("close"); await h.stop(); }
}

/** Everything the hub may have missed: the list (unread counts), presence, and each loaded conversation's changes. */
async function resync() {
  try {
    await refreshConversations();
    presence.value = new Set(await api.presence());
    await refreshUsers();                                   // names, avatars and statuses changed meanwhile
    await Promise.all([...timelines.value.keys()].map(id => catchUp(id)));
    await flush();
  } catch {
    /* the next reconnect tries again */
  }
}

let lastTypingSent = 0;
export function sendTyping(conversationId: number) {
  if (!hub || hub.state !== signalR.HubConnectionState.Connected || Date.now() - lastTypingSent < 3000) return;
  lastTypingSent = Date.now();
  void hub.invoke("StartTyping", conversationId).catch(() => {});
}

function stopTyping(conversationId: number, userId: string) {
  const inConversation = typing.value.get(conversationId);
  if (!inConversation?.has(userId)) return;
  const all = new Map(typing.value);
  const next = new Map(inConversation);
  next.delete(userId);
  all.set(conversationId, next);
  typing.value = all;
}

// The browser knows first when the network goes: say so at once rather than when the socket times out.
addEventListener("offline", () => { connection.value = "offline"; });
addEventListener("online", () => {
  if (!hub) void connect();
  else if (hub.state === signalR.HubConnectionState.Connected) { connection.value = "online"; void resync(); }
});
