import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, Conversation, Message } from "../api";
import { formatDay, t } from "../i18n";
import { pendingIn } from "../outbox";
import {
  conversations, conversationTitle, currentConversationId, loadNewest, loadOlder, navigate, session, timeline, timelines,
  typing, updateConversation, userName,
} from "../state";
import { Composer } from "./Composer";
import { Icon } from "./Icon";
import { MembersPanel } from "./MembersPanel";
import { MessageItem, PendingItem } from "./MessageItem";
import { ThreadPanel } from "./ThreadPanel";

export function ConversationView() {
  const id = currentConversationId.value!;
  const conversation = conversations.value.find(c => c.id === id);
  const [fallback, setFallback] = useState<Conversation | null>(null);
  const [missing, setMissing] = useState(false);
  const [panel, setPanel] = useState<{ kind: "thread"; rootId: number } | { kind: "members" } | null>(null);

  useEffect(() => {
    setPanel(null);
    setMissing(false);
    setFallback(null);
    if (!conversations.value.some(c => c.id === id))
      api.conversation(id).then(setFallback).catch(() => setMissing(true));
    if (!timeline(id).loaded) void loadNewest(id).catch(() => setMissing(true));
  }, [id]);

  const c = conversation ?? fallback;
  if (missing) return <div class="empty-state"><h1>{t("conversation.notFound")}</h1></div>;
  if (!c) return <div class="empty-state" aria-busy="true">{t("app.loading")}</div>;

  return (
    <div class={`conversation ${panel ? "with-panel" : ""}`}>
      <section class="conversation-main" aria-label={conversationTitle(c)}>
        <ConversationHeader conversation={c} onMembers={() => setPanel(panel?.kind === "members" ? null : { kind: "members" })} />
        <MessageList conversation={c} onThread={rootId => setPanel({ kind: "thread", rootId })} />
        <TypingLine conversationId={c.id} />
        {c.isMember ? <Composer conversation={c} threadRootId={null} /> : <JoinBar conversation={c} />}
      </section>
      {panel?.kind === "thread" && <ThreadPanel conversation={c} rootId={panel.rootId} onClose={() => setPanel(null)} />}
      {panel?.kind === "members" && <MembersPanel conversation={c} onClose={() => setPanel(null)} />}
    </div>
  );
}

function ConversationHeader({ conversation: c, onMembers }: { conversation: Conversation; onMembers: () => void }) {
  return (
    <header class="conversation-header">
      <button type="button" class="icon-button back" aria-label={t("conversation.back")} onClick={() => navigate("/")}><Icon name="back" /></button>
      <div class="conversation-heading">
        <h1>{c.kind === "public" ? "# " : ""}{conversationTitle(c)}</h1>
        {c.topic && <p class="topic">{c.topic}</p>}
        {c.archived && <p class="topic">{t("conversation.archived")}</p>}
      </div>
      <button type="button" class="secondary" onClick={onMembers}>{t("conversation.members")}</button>
    </header>
  );
}

function JoinBar({ conversation: c }: { conversation: Conversation }) {
  return (
    <div class="join-bar">
      <p>{t("conversation.notMember")}</p>
      <button type="button" class="primary" onClick={async () => {
        const joined = await api.join(c.id);
        const others = conversations.value.filter(x => x.id !== c.id);
        conversations.value = [...others, joined];
      }}>{t("conversation.join")}</button>
    </div>
  );
}

function TypingLine({ conversationId }: { conversationId: number }) {
  const [, tick] = useState(0);
  useEffect(() => { const timer = setInterval(() => tick(n => n + 1), 1000); return () => clearInterval(timer); }, []);
  const now = Date.now();
  const who = [...(typing.value.get(conversationId) ?? new Map<string, number>()).entries()]
    .filter(([userId, until]) => until > now && userId !== session.value?.me.id).map(([userId]) => userName(userId));
  return <div class="typing-line" aria-live="polite">{who.length ? t(who.length === 1 ? "typing.one" : "typing.many", { names: who.join(", ") }) : ""}</div>;
}

function MessageList({ conversation: c, onThread }: { conversation: Conversation; onThread: (rootId: number) => void }) {
  const list = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const stick = useRef(true);
  const t_ = timelines.value.get(c.id);
  const messages = t_ ? [...t_.messages.values()].filter(m => m.threadRootId === null).sort((a, b) => a.seq - b.seq) : [];
  const pending = pendingIn(c.id, null, t_?.messages.values() ?? []);
  const newest = messages.length ? messages[messages.length - 1].seq : 0;

  useEffect(() => {                                   // load older pages when the top comes into view
    const element = sentinel.current;
    if (!element) return;
    const observer = new IntersectionObserver(entries => {
      if (!entries[0].isIntersecting || !timeline(c.id).hasMoreBefore || !list.current) return;
      anchor.current = { height: list.current.scrollHeight, top: list.current.scrollTop };
      void loadOlder(c.id);
    }, { root: list.current });
    observer.observe(element);
    return () => observer.disconnect();
  }, [c.id, t_?.loaded]);

  useLayoutEffect(() => {                             // keep the view still when older messages arrive above
    const element = list.current;
    if (!element) return;
    if (anchor.current) {
      element.scrollTop = element.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (stick.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [messages.length, pending.length]);

  useEffect(() => {                                   // what is on screen at the bottom is read
    if (!c.isMember || newest <= c.lastReadSeq || !stick.current || document.hidden) return;
    updateConversation(c.id, x => ({ ...x, lastReadSeq: newest, unread: 0, unreadMentions: 0 }));
    void api.markRead(c.id, newest).catch(() => {});
  }, [c.id, newest, c.isMember]);

  let lastDay = "";
  return (
    <div class="message-list" ref={list} role="log" aria-label={t("conversation.messages")} tabIndex={0}
      onScroll={e => { const el = e.currentTarget; stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40; }}>
      <div ref={sentinel} class="history-top">
        {t_?.loaded && !t_.hasMoreBefore ? <p class="muted">{t("conversation.start")}</p> : <p class="muted">{t("app.loading")}</p>}
      </div>
      {messages.map((m: Message) => {
        const day = formatDay(m.createdAt);
        const separator = day !== lastDay ? <div class="day-separator" role="separator"><span>{day}</span></div> : null;
        lastDay = day;
        return <div key={m.id}>{separator}<MessageItem message={m} conversation={c} onThread={onThread} /></div>;
      })}
      {pending.map(p => <PendingItem key={p.clientMessageId} pending={p} />)}
    </div>
  );
}
