// Search: the results page (/search?q=…), and the Ctrl+K / Cmd+K switcher for conversations and people.
import DOMPurify from "dompurify";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, Message, SearchHit } from "../api";
import { formatDateTime, t } from "../i18n";
import { conversations, conversationTitle, navigate, session, userName, users } from "../state";
import { problemText } from "./AuthCard";
import { Dialog } from "./Dialogs";
import { PageHeader } from "./PageHeader";

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Where a message lives: its place in the conversation, or the thread it answers. */
export function messageLink(m: Message): string {
  return m.threadRootId === null ? `/c/${m.conversationId}/m/${m.seq}` : `/c/${m.conversationId}/thread/${m.threadRootId}`;
}

/** The server's snippet, kept to text and `mark` whatever it holds. */
function snippetHtml(html: string) {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS: ["mark"], ALLOWED_ATTR: [] });
}

export function queryOfLocation(): string {
  return new URLSearchParams(location.search).get("q") ?? "";
}

/** The search box at the top of the sidebar: Enter shows the results page. */
export function SearchBox() {
  const [text, setText] = useState(queryOfLocation);
  return (
    <form role="search" class="search-box" onSubmit={e => {
      e.preventDefault();
      if (text.trim()) navigate(`/search?q=${encodeURIComponent(text.trim())}`);
    }}>
      <input type="search" aria-label={t("search.label")} placeholder={t("search.placeholder")} value={text}
        onInput={e => setText(e.currentTarget.value)} />
    </form>
  );
}

export function SearchPage() {
  const q = queryOfLocation();
  const [text, setText] = useState(q);
  const [sort, setSort] = useState<"relevance" | "recent">("relevance");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [page, setPage] = useState(1);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(query: string, order: "relevance" | "recent", number: number) {
    if (!query.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const results = await api.search({ q: query, sort: order, page: number, timeZone: zone });
      setHits(previous => (number === 1 ? results.hits : [...(previous ?? []), ...results.hits]));
      setPage(number);
      setHasMore(results.hasMore);
    } catch (e) {
      setHits(number === 1 ? [] : hits);
      setError(e instanceof ApiError ? problemText(e) : t("error.generic"));
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => { setText(q); void run(q, sort, 1); }, [q, sort]);

  return (
    <div class="page search-page">
      <PageHeader title={t("search.title")} />
      <form role="search" class="search-form" onSubmit={e => {
        e.preventDefault();
        if (text.trim()) navigate(`/search?q=${encodeURIComponent(text.trim())}`, { replace: true });
        if (text.trim() === q) void run(q, sort, 1);
      }}>
        <input type="search" aria-label={t("search.label")} value={text} onInput={e => setText(e.currentTarget.value)} />
        <select aria-label={t("search.sort")} value={sort} onChange={e => setSort(e.currentTarget.value as "relevance" | "recent")}>
          <option value="relevance">{t("search.relevance")}</option>
          <option value="recent">{t("search.recent")}</option>
        </select>
        <button type="submit" class="primary">{t("search.go")}</button>
      </form>
      <p class="muted">{t("search.help")}</p>
      {error && <p class="error" role="alert">{error}</p>}
      <div aria-live="polite" aria-busy={busy}>
        {hits !== null && !error && <p class="muted">{hits.length === 0 ? t("search.none") : t("search.count", { count: hits.length, more: hasMore ? "+" : "" })}</p>}
        <ol class="search-results">
          {(hits ?? []).map(h => (
            <li key={h.message.id}>
              <a class="search-hit" href={messageLink(h.message)} onClick={e => { e.preventDefault(); navigate(messageLink(h.message)); }}>
                <span class="search-hit-head">
                  <strong>{placeOf(h)}</strong>
                  <span>{userName(h.message.senderId)}</span>
                  <time dateTime={h.message.createdAt}>{formatDateTime(h.message.createdAt)}</time>
                </span>
                <span class="search-snippet" dangerouslySetInnerHTML={{ __html: snippetHtml(h.snippet) }} />
              </a>
            </li>
          ))}
        </ol>
      </div>
      {hasMore && <button type="button" class="secondary" disabled={busy} onClick={() => void run(q, sort, page + 1)}>{t("search.more")}</button>}
    </div>
  );
}

function placeOf(h: SearchHit): string {
  if (h.conversationName) return (h.conversationKind === "public" ? "# " : "") + h.conversationName;
  const known = conversations.value.find(c => c.id === h.message.conversationId);
  return known ? conversationTitle(known) : t("search.direct");
}

interface Choice { key: string; label: string; detail: string; open: () => Promise<void> | void; }

/** Ctrl+K / Cmd+K: type a few letters of a conversation or a person, arrows to choose, Enter to go. */
export function Switcher({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const me = session.value!.me;
  const wanted = text.trim().toLowerCase();
  const places: Choice[] = conversations.value
    .map(c => ({ c, title: conversationTitle(c) }))
    .filter(({ title }) => title.toLowerCase().includes(wanted))
    .map(({ c, title }) => ({ key: `c${c.id}`, label: (c.kind === "public" ? "# " : "") + title, detail: t(`switcher.kind.${c.kind}` as "switcher.kind.public"),
      open: () => navigate(`/c/${c.id}`) }));
  const people: Choice[] = me.role === "compliance" ? [] : [...users.value.values()]
    .filter(u => u.active && u.id !== me.id && `${u.displayName} ${u.handle}`.toLowerCase().includes(wanted))
    .map(u => ({ key: `u${u.id}`, label: u.displayName, detail: `@${u.handle}`, open: async () => {
      const direct = await api.openDirect([u.id]);
      if (!conversations.value.some(c => c.id === direct.id)) conversations.value = [...conversations.value, direct];
      navigate(`/c/${direct.id}`);
    } }));
  // Names that start with what was typed come first, then the rest, each in alphabetical order.
  const rank = (choice: Choice) => (choice.label.replace(/^# /, "").toLowerCase().startsWith(wanted) ? 0 : 1);
  const choices = [...places, ...people]
    .sort((a, b) => rank(a) - rank(b) || a.label.replace(/^# /, "").localeCompare(b.label.replace(/^# /, "")))
    .slice(0, 12);
  const current = Math.min(active, Math.max(choices.length - 1, 0));

  async function choose(choice: Choice | undefined) {
    if (!choice) return;
    try {
      await choice.open();
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? problemText(e) : t("error.generic"));
    }
  }

  return (
    <Dialog title={t("switcher.title")} onClose={onClose}>
      <div class="stack switcher">
        {/* autofocus, not an effect: the dialog's showModal() gives the focus to it whichever effect runs first. */}
        <input autoFocus type="text" role="combobox" aria-expanded="true" aria-controls="switcher-list" aria-autocomplete="list"
          aria-activedescendant={choices[current] ? `switcher-${choices[current].key}` : undefined}
          aria-label={t("switcher.label")} placeholder={t("switcher.placeholder")} value={text}
          onInput={e => { setText(e.currentTarget.value); setActive(0); }}
          onKeyDown={e => {
            if (e.key === "ArrowDown") { e.preventDefault(); setActive(Math.min(current + 1, choices.length - 1)); }
            else if (e.key === "ArrowUp") { e.preventDefault(); setActive(Math.max(current - 1, 0)); }
            else if (e.key === "Enter") { e.preventDefault(); void choose(choices[current]); }
          }} />
        <ul id="switcher-list" role="listbox" aria-label={t("switcher.label")} class="switcher-list">
          {choices.map((choice, i) => (
            <li key={choice.key} id={`switcher-${choice.key}`} role="option" aria-selected={i === current}
              class={i === current ? "active" : ""} onClick={() => void choose(choice)}>
              <strong>{choice.label}</strong> <span class="muted">{choice.detail}</span>
            </li>
          ))}
        </ul>
        {choices.length === 0 && <p class="muted">{t("switcher.none")}</p>}
        {error && <p class="error" role="alert">{error}</p>}
      </div>
    </Dialog>
  );
}
