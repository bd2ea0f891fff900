import { useEffect, useState } from "preact/hooks";
import { api, ApiError, Conversation, Message } from "../api";
import { formatDateTime, t } from "../i18n";
import { applyMessages, navigate, pinChanged, pinChanges, session, timelines, userName } from "../state";
import { problemText } from "./AuthCard";
import { Icon } from "./Icon";
import { safeHtml } from "./MessageItem";
import { messageLink } from "./Search";

/**
 * The conversation's pinned messages, the most recently pinned first. Read from the server when it opens and whenever a pin
 * changes; a newer copy of a message in the timeline (an edit, a deletion) wins over the one read.
 */
export function PinsPanel(props: { conversation: Conversation; onClose: () => void }) {
  const c = props.conversation;
  const me = session.value!.me;
  const [loaded, setLoaded] = useState<Message[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const changes = pinChanges.value.conversationId === c.id ? pinChanges.value.count : 0;

  useEffect(() => {
    let live = true;
    api.pins(c.id).then(pins => { if (live) setLoaded(pins); }, () => { if (live) setError(t("error.generic")); });
    return () => { live = false; };
  }, [c.id, changes]);

  const byId = new Map((loaded ?? []).map(m => [m.id, m]));
  for (const m of timelines.value.get(c.id)?.messages.values() ?? []) {
    const known = byId.get(m.id);
    if (known && known.position < m.position) byId.set(m.id, m);
  }
  const pins = [...byId.values()].filter(m => m.pinnedAt && !m.deleted)
    .sort((a, b) => b.pinnedAt!.localeCompare(a.pinnedAt!) || b.seq - a.seq);
  const canModerate = me.role === "admin" || me.role === "owner" || c.myRole === "moderator" || c.myRole === "owner";

  async function unpin(m: Message) {
    setError(null);
    try {
      applyMessages(c.id, [await api.pin(c.id, m.id, false)]);
      pinChanged(c.id);
    } catch (e) { setError(e instanceof ApiError ? problemText(e) : t("error.generic")); }
  }

  return (
    <aside class="side-panel" aria-label={t("pins.title")}>
      <header class="panel-header">
        <h2>{t("pins.title")}{loaded && ` (${pins.length})`}</h2>
        <button type="button" class="icon-button" aria-label={t("common.close")} onClick={props.onClose}><Icon name="close" /></button>
      </header>
      <div class="panel-body" aria-busy={loaded === null}>
        {loaded === null && !error && <p class="muted">{t("app.loading")}</p>}
        {loaded && pins.length === 0 && <p class="muted">{t("pins.empty")}</p>}
        <ul class="pin-list">
          {pins.map(m => (
            <li key={m.id}>
              <article aria-label={t("message.from", { name: userName(m.senderId) })}>
                <header>
                  <strong>{userName(m.senderId)}</strong>{" "}
                  <time class="muted" dateTime={m.createdAt}>{formatDateTime(m.createdAt)}</time>
                </header>
                <div class="content" dangerouslySetInnerHTML={{ __html: safeHtml(m.html ?? "") }} />
                {m.attachments.length > 0 && <p class="muted">{m.attachments.map(f => f.fileName).join(", ")}</p>}
                <div class="row">
                  <a href={messageLink(m)} class="link-button"
                    onClick={e => { e.preventDefault(); navigate(messageLink(m)); }}>{t("pins.jump")}</a>
                  {c.isMember && !c.archived && (m.pinnedBy === me.id || m.senderId === me.id || canModerate) && (
                    <button type="button" class="link-button" onClick={() => void unpin(m)}>{t("message.unpin")}</button>
                  )}
                </div>
              </article>
            </li>
          ))}
        </ul>
        {error && <p class="error" role="alert">{error}</p>}
      </div>
    </aside>
  );
}
