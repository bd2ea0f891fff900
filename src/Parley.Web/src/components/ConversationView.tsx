import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, Conversation, Message } from "../api";
import { formatDay, t } from "../i18n";
import { draftPlace } from "../drafts";
import { lastQueued, pendingIn } from "../outbox";
import {
  conversations, conversationTitle, currentConversationId, goBack, loadNewest, loadOlder, navigate, route, session, timeline,
  timelines, typing, updateConversation, userName,
} from "../state";
import { Composer } from "./Composer";
import { Icon } from "./Icon";
import { NotificationMenu } from "./NotificationMenu";
import { MembersPanel } from "./MembersPanel";
import { PinsPanel } from "./PinsPanel";
import { MessageItem, PendingItem } from "./MessageItem";
import { ThreadPanel } from "./ThreadPanel";

/** Within five minutes of the same sender's previous message, neither deleted: shown as one group, as chat apps do. */
function follows(previous: Message | undefined, m: Message) {
  return previous !== undefined && previous.senderId === m.senderId && !previous.deleted && !m.deleted
    && Date.parse(m.createdAt) - Date.parse(previous.createdAt) < 5 * 60_000;
}

/** The conversation's panel comes from the route (/c/1/thread/7, /c/1/members), so the browser's Back closes it. */
function panelOf(path: string): { kind: "thread"; rootId: number } | { kind: "members" } | { kind: "pins" } | null {
  const thread = /^\/c\/\d+\/thread\/(\d+)/.exec(path);
  if (thread) return { kind: "thread", rootId: Number(thread[1]) };
  if (/^\/c\/\d+\/pins/.test(path)) return { kind: "pins" };
  return /^\/c\/\d+\/members/.test(path) ? { kind: "members" } : null;
}

/** A message's permalink, /c/1/m/42: the conversation opens at message 42 and marks it. */
function targetOf(path: string): number | undefined {
  const link = /^\/c\/\d+\/m\/(\d+)/.exec(path);
  return link ? Number(link[1]) : undefined;
}

export function ConversationView() {
  const id = currentConversationId.value!;
  const conversation = conversations.value.find(c => c.id === id);
  const listed = conversation !== undefined;
  const [fallback, setFallback] = useState<Conversation | null>(null);
  const [missing, setMissing] = useState(false);
  const panel = panelOf(route.value);
  const target = targetOf(route.value);
  const base = `/c/${id}`;

  useEffect(() => {
    setMissing(false);
    if (!timeline(id).loaded) void loadNewest(id).catch(() => setMissing(true));
  }, [id]);

  useEffect(() => {                                   // not (or no longer) in the list: read it on its own
    setFallback(null);
    if (!listed) api.conversation(id).then(setFallback).catch(() => setMissing(true));
  }, [id, listed]);

  // Escape closes the panel (a thread, the members), unless what has the focus used it: a suggestion list, an edit form, a dialog.
  const hasPanel = panel !== null;
  useEffect(() => {
    if (!hasPanel) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented || document.querySelector("dialog[open]")) return;
      goBack(base);
      requestAnimationFrame(() => document.querySelector<HTMLElement>(".conversation-main .composer textarea")?.focus());
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [hasPanel, base]);

  const c = conversation ?? fallback;
  if (missing) return <div class="empty-state"><h1>{t("conversation.notFound")}</h1></div>;
  if (!c) return <div class="empty-state" aria-busy="true">{t("app.loading")}</div>;

  const closePanel = () => goBack(base);
  return (
    <div class={`conversation ${panel ? "with-panel" : ""}`}>
      <section class="conversation-main" aria-label={conversationTitle(c)}>
        <ConversationHeader conversation={c} onMembers={() => (panel?.kind === "members" ? closePanel() : navigate(`${base}/members`))}
          onPins={() => (panel?.kind === "pins" ? closePanel() : navigate(`${base}/pins`))} />
        <MessageList key={`${c.id}:${target ?? ""}`} conversation={c} target={target}
          onThread={rootId => navigate(`${base}/thread/${rootId}`)} />
        <TypingLine conversationId={c.id} />
        {c.isMember ? <Composer key={draftPlace(c.id, null)} conversation={c} threadRootId={null} /> : <JoinBar conversation={c} />}
      </section>
      {panel?.kind === "thread" && <ThreadPanel key={panel.rootId} conversation={c} rootId={panel.rootId} onClose={closePanel} />}
      {panel?.kind === "members" && <MembersPanel conversation={c} onClose={closePanel} />}
      {panel?.kind === "pins" && <PinsPanel conversation={c} onClose={closePanel} />}
    </div>
  );
}

function ConversationHeader({ conversation: c, onMembers, onPins }: { conversation: Conversation; onMembers: () => void; onPins: () => void }) {
  return (
    <header class="conversation-header">
      <button type="button" class="icon-button back" aria-label={t("conversation.back")} onClick={() => goBack("/")}><Icon name="back" /></button>
      <div class="conversation-heading">
        <h1>{c.kind === "public" ? "# " : ""}{conversationTitle(c)}</h1>
        {c.topic && <p class="topic">{c.topic}</p>}
        {c.archived && <p class="topic">{t("conversation.archived")}</p>}
      </div>
      <NotificationMenu conversation={c} />
      <button type="button" class="secondary icon-text" aria-label={t("conversation.pins")} onClick={onPins}>
        <Icon name="pin" /><span class="button-label">{t("conversation.pins")}</span>
      </button>
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

/**
 * The timeline. It opens at the first unread message, under a "new messages" line, or at the bottom when all is read;
 * it stays pinned to the bottom while the user is there, also while images above load; one's own new message is
 * brought into view; and only what reached the screen is marked read.
 */
function MessageList({ conversation: c, target, onThread }: {
  conversation: Conversation; target: number | undefined; onThread: (rootId: number) => void;
}) {
  const list = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const line = useRef<HTMLDivElement>(null);
  const targetElement = useRef<HTMLDivElement>(null);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const stick = useRef(true);
  const placed = useRef(false);
  const loadingOlder = useRef(false);
  const setTop = useRef<number | null>(null);                 // where this code last scrolled to (not the user)
  const me = session.value!.me.id;
  const [readBefore] = useState(() => c.lastReadSeq);          // where the reader was when the conversation opened
  const [unreadAtOpen] = useState(() => c.unread);             // how many others' messages were unread then
  const t_ = timelines.value.get(c.id);
  const messages = t_ ? [...t_.messages.values()].filter(m => m.threadRootId === null).sort((a, b) => a.seq - b.seq) : [];
  const pending = pendingIn(c.id, null, t_?.messages.values() ?? []);
  const firstUnread = c.isMember ? messages.find(m => m.seq > readBefore && m.senderId !== me) : undefined;
  // Unread messages may be older than the newest page: page back to them (within reason) before placing the view. One's
  // own messages are never unread, so the server's count of others' unread messages says whether any is still missing.
  const unreadLoaded = t_ ? [...t_.messages.values()].filter(m => m.seq > readBefore && m.senderId !== me && !m.deleted).length : 0;
  // A permalink's message may be older still: page back to it (within reason), and place the view there instead.
  const targetNotLoaded = target !== undefined && !!t_?.loaded && t_.hasMoreBefore && messages.length > 0 && messages.length < 2000
    && messages[0].seq > target;
  const unreadNotLoaded = target === undefined && !!(c.isMember && t_?.loaded && t_.hasMoreBefore && unreadLoaded < unreadAtOpen
    && messages.length > 0 && messages.length < 500 && messages[0].seq > readBefore + 1);

  useEffect(() => {                                   // the first unread, or the permalink's message, is older: fetch back to it
    if (unreadNotLoaded || targetNotLoaded) void loadOlder(c.id);
  }, [unreadNotLoaded, targetNotLoaded, messages.length]);

  useEffect(() => {                                   // load older pages when the top comes into view
    const element = sentinel.current;
    if (!element) return;
    let live = true;
    // The entry only says that the top was crossed, maybe before the first placement (the list was still empty): the
    // layout itself says whether the top is in view now, also after a page that was too short to push it out.
    const more = () => {
      const view = list.current;
      if (!live || !placed.current || loadingOlder.current || !timeline(c.id).hasMoreBefore || !view) return;
      if (element.getBoundingClientRect().bottom < view.getBoundingClientRect().top) return;
      anchor.current = { height: view.scrollHeight, top: view.scrollTop };
      loadingOlder.current = true;
      void loadOlder(c.id).then(() => requestAnimationFrame(more), () => {}).finally(() => { loadingOlder.current = false; });
    };
    const observer = new IntersectionObserver(entries => { if (entries[0].isIntersecting) more(); }, { root: list.current });
    observer.observe(element);
    return () => { live = false; observer.disconnect(); };
  }, [c.id, t_?.loaded]);

  useEffect(() => {                                   // media that load later must not push the bottom out of view
    const element = content.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (placed.current && stick.current && list.current) scrollTo(list.current.scrollHeight);
      markShown();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => lastQueued.subscribe(q => {         // one's own new message: into view
    if (q && q.conversationId === c.id && q.threadRootId === null && placed.current) stick.current = true;
  }), [c.id]);

  useLayoutEffect(() => {
    const element = list.current;
    if (!element || !t_?.loaded || unreadNotLoaded || targetNotLoaded) return;
    if (!placed.current) {                            // first placement: at the permalink's message, the first unread, or the bottom
      placed.current = true;
      if (targetElement.current) {
        const marked = targetElement.current;
        scrollTo(marked.offsetTop - element.offsetTop - Math.max((element.clientHeight - marked.offsetHeight) / 2, 8));
        stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      } else if (firstUnread && line.current) {
        scrollTo(line.current.offsetTop - element.offsetTop - 8);
        stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      } else {
        scrollTo(element.scrollHeight);
      }
    } else if (anchor.current) {                      // keep the view still when older messages arrive above
      scrollTo(element.scrollHeight - anchor.current.height + anchor.current.top);
      anchor.current = null;
    } else if (stick.current) {
      scrollTo(element.scrollHeight);
    }
    markShown();
  }, [t_?.loaded, unreadNotLoaded, targetNotLoaded, messages.length, pending.length, c.lastMessageSeq]);

  useEffect(() => {
    const visible = () => markShown();
    document.addEventListener("visibilitychange", visible);
    return () => document.removeEventListener("visibilitychange", visible);
  }, []);

  function scrollTo(top: number) {
    const element = list.current!;
    element.scrollTop = top;
    setTop.current = element.scrollTop;
  }

  /**
   * A scroll event reports where the user is, except the one that follows this code's own scrolling: content may have
   * grown in between (an image), and the bottom must stay pinned then.
   */
  function onScroll(element: HTMLDivElement) {
    if (setTop.current === null || Math.abs(element.scrollTop - setTop.current) >= 1) {
      setTop.current = null;
      stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
    }
    markShown();
  }

  /**
   * Marks read up to the last message whose end has been on screen. At the bottom, that is everything, thread
   * replies included (the server counts them, and their count shows under their root).
   */
  function markShown() {
    const element = list.current;
    const current = conversations.value.find(x => x.id === c.id) ?? c;
    if (!element || !placed.current || !current.isMember || document.hidden) return;
    const bottom = element.getBoundingClientRect().bottom;
    let shown = 0;
    for (const article of element.querySelectorAll<HTMLElement>("[data-seq]")) {
      if (article.getBoundingClientRect().bottom > bottom + 2) break;
      shown = Number(article.dataset.seq);
    }
    const all = [...(timeline(c.id).messages.values())];
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 2;
    const newestTop = all.reduce((max, m) => (m.threadRootId === null ? Math.max(max, m.seq) : max), 0);
    const upTo = atBottom && shown >= newestTop ? Math.max(current.lastMessageSeq, ...all.map(m => m.seq)) : shown;
    if (upTo <= current.lastReadSeq) return;
    const unread = all.filter(m => m.seq > upTo && m.senderId !== me && !m.deleted).length;
    updateConversation(c.id, x => ({ ...x, lastReadSeq: upTo, unread: upTo >= x.lastMessageSeq ? 0 : Math.min(x.unread, unread),
      unreadMentions: upTo >= x.lastMessageSeq ? 0 : x.unreadMentions }));
    void api.markRead(c.id, upTo).catch(() => {});
  }

  let lastDay = "";
  let previous: Message | undefined;
  return (
    <div class="message-list" ref={list} role="log" aria-label={t("conversation.messages")} tabIndex={0}
      onScroll={e => onScroll(e.currentTarget)}>
      <div ref={content}>
        <div ref={sentinel} class="history-top">
          {t_?.loaded && !t_.hasMoreBefore ? <p class="muted">{t("conversation.start")}</p> : <p class="muted">{t("app.loading")}</p>}
        </div>
        {messages.map((m: Message) => {
          const day = formatDay(m.createdAt);
          const separator = day !== lastDay ? <div class="day-separator" role="separator"><span>{day}</span></div> : null;
          lastDay = day;
          const unreadLine = m === firstUnread
            ? <div class="unread-line" ref={line} role="separator" aria-label={t("conversation.newMessages")}><span>{t("conversation.newMessages")}</span></div>
            : null;
          const marked = m.seq === target;
          const continued = !separator && !unreadLine && !marked && follows(previous, m);
          previous = m;
          return <div key={m.id} data-seq={m.seq} class={marked ? "permalink-target" : undefined} ref={marked ? targetElement : undefined}>{separator}{unreadLine}<MessageItem message={m} conversation={c} onThread={onThread} continued={continued} /></div>;
        })}
        {pending.map(p => <PendingItem key={p.clientMessageId} pending={p} />)}
      </div>
    </div>
  );
}
