import DOMPurify from "dompurify";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, Conversation, fetchFile, FileInfo, Message } from "../api";
import { formatDateTime, formatSize, formatTime, plural, t } from "../i18n";
import { discard, flush, Pending, retry } from "../outbox";
import { applyMessages, editingAt, editKey, pinChanged, profileCardUserId, session, userName } from "../state";
import { Icon } from "./Icon";
import { Avatar, PersonButton, StatusEmoji } from "./Profile";
import { messageLink } from "./Search";
import { problemText } from "./AuthCard";
import { EmojiPicker } from "./EmojiPicker";
import { isImage, Lightbox } from "./Lightbox";

export const quickReactions = ["👍", "❤️", "😂", "🎉", "👀", "✅"];

// A link to another site opens in a new tab (or the browser, from the installed app) and learns nothing of this one.
DOMPurify.addHook("afterSanitizeAttributes", node => {
  if (node.tagName !== "A" || !node.hasAttribute("href")) return;
  const url = new URL(node.getAttribute("href")!, location.href);
  if (/^https?:$/.test(url.protocol) && url.origin !== location.origin) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  } else {
    node.removeAttribute("target");
  }
});

/** Server HTML is already sanitized; the client sanitizes again, so a server bug alone can't run script here. */
export function safeHtml(html: string) {
  return DOMPurify.sanitize(html, { ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i });
}

/**
 * One message. `continued`: it follows the same sender's previous message closely, so it shows without their picture and
 * name (its time shows in their place on hover); the article's label still names the sender for screen readers.
 */
export function MessageItem(props: {
  message: Message; conversation: Conversation; onThread?: (rootId: number) => void; inThread?: boolean; continued?: boolean;
}) {
  const { message: m, conversation: c } = props;
  const me = session.value!.me;
  const mine = m.senderId === me.id;
  const canModerate = me.role === "admin" || me.role === "owner" || c.myRole === "moderator" || c.myRole === "owner";
  const key = editKey(m.id, !!props.inThread);
  const editing = editingAt.value === key;
  const setEditing = (open: boolean) => {
    if (open || editingAt.value === key) editingAt.value = open ? key : null;
  };
  const editArea = useRef<HTMLTextAreaElement>(null);
  // However it opened (its button, the up arrow), the form starts from the message as it is when it opens (the text area's
  // first value), with the cursor at its end.
  useEffect(() => {
    if (!editing) return;
    requestAnimationFrame(() => { const el = editArea.current; if (el) { el.focus(); el.setSelectionRange(el.value.length, el.value.length); } });
  }, [editing]);
  const [picker, setPicker] = useState(false);
  const [fullPicker, setFullPicker] = useState(false);
  const reactButton = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  async function act(work: () => Promise<Message>) {
    setError(null);
    try { applyMessages(c.id, [await work()]); } catch (e) { setError(e instanceof ApiError ? problemText(e) : t("error.generic")); }
  }

  /** Who may unpin: whoever pinned it, its sender, a moderator (the server decides; this only hides what it would refuse). */
  const canUnpin = m.pinnedBy === me.id || mine || canModerate;
  const canPin = c.isMember && !c.archived;

  async function togglePin() {
    await act(() => api.pin(c.id, m.id, !m.pinnedAt));
    pinChanged(c.id);
  }

  const mentioned = m.mentions.includes(me.id) || m.mentionsChannel;
  return (
    <article class={`message ${mentioned ? "mentioned" : ""} ${m.deleted ? "deleted" : ""} ${props.continued ? "continued" : ""} ${m.pinnedAt ? "pinned" : ""}`}
      aria-label={t("message.from", { name: userName(m.senderId) })}>
      {/* The name is the keyboard's way to the card; the picture is a larger target for a pointer. */}
      {props.continued
        ? <time class="gutter-time" dateTime={m.createdAt} title={formatDateTime(m.createdAt)}>{formatTime(m.createdAt)}</time>
        : <div class="avatar-target" onClick={() => { profileCardUserId.value = m.senderId; }}><Avatar userId={m.senderId} /></div>}
      <div class="message-body">
        {props.continued
          ? m.editedAt && !m.deleted && <header><span class="muted" title={formatDateTime(m.editedAt)}>{t("message.edited")}</span></header>
          : (
            <header>
              <PersonButton userId={m.senderId}><strong>{userName(m.senderId)}</strong></PersonButton>
              <StatusEmoji userId={m.senderId} />
              <time dateTime={m.createdAt} title={formatDateTime(m.createdAt)}>{formatTime(m.createdAt)}</time>
              {m.editedAt && !m.deleted && <span class="muted" title={formatDateTime(m.editedAt)}>{t("message.edited")}</span>}
            </header>
          )}
        {m.pinnedAt && !m.deleted && (
          <p class="pinned-note"><Icon name="pin" /> {t("message.pinnedBy", { name: userName(m.pinnedBy ?? "") })}</p>
        )}
        {m.deleted ? <p class="tombstone">{t("message.deleted")}</p>
          : editing ? (
            <form class="edit-form" onSubmit={e => { e.preventDefault(); setEditing(false); const text = editArea.current?.value ?? ""; void act(() => api.edit(c.id, m.id, text)); }}>
              <label class="visually-hidden" for={`edit-${m.id}`}>{t("message.editLabel")}</label>
              <textarea id={`edit-${m.id}`} ref={editArea} defaultValue={m.content ?? ""} rows={3}
                onKeyDown={e => { if (e.key === "Escape") { e.preventDefault(); setEditing(false); } if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); e.currentTarget.form?.requestSubmit(); } }} />
              <div class="row">
                <button type="submit" class="primary">{t("message.save")}</button>
                <button type="button" class="secondary" onClick={() => setEditing(false)}>{t("common.cancel")}</button>
              </div>
            </form>
          ) : <div class="content" dangerouslySetInnerHTML={{ __html: safeHtml(m.html ?? "") }} />}
        {!m.deleted && m.attachments.length > 0 && <div class="attachments">{m.attachments.map(f => <Attachment key={f.id} file={f} />)}</div>}
        {!m.deleted && m.reactions.length > 0 && (
          <div class="reactions">
            {m.reactions.map(r => {
              const pressed = r.userIds.includes(me.id);
              return (
                <button type="button" key={r.emoji} class={`reaction ${pressed ? "pressed" : ""}`} aria-pressed={pressed}
                  aria-label={t("message.reactionCount", { emoji: r.emoji, count: r.count })}
                  title={r.userIds.map(userName).join(", ")} disabled={!c.isMember}
                  onClick={() => void act(() => api.react(c.id, m.id, r.emoji, !pressed))}>
                  {r.emoji} {r.count}
                </button>
              );
            })}
          </div>
        )}
        {!props.inThread && m.replyCount > 0 && (
          <button type="button" class="link-button" onClick={() => props.onThread?.(m.id)}>{plural("message.replies", m.replyCount)}</button>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        {copied && <p class="muted" role="status">{t("message.linkCopied")}</p>}
      </div>
      {!m.deleted && c.isMember && (
        <div class="message-actions">
          <button type="button" class="icon-button" ref={reactButton} aria-label={t("message.react")} aria-expanded={picker || fullPicker}
            onClick={() => { setFullPicker(false); setPicker(!picker); }}><Icon name="smile" /></button>
          {!props.inThread && <button type="button" class="icon-button" aria-label={t("message.reply")} onClick={() => props.onThread?.(m.id)}><Icon name="reply" /></button>}
          {mine && <button type="button" class="icon-button" aria-label={t("message.edit")} onClick={() => setEditing(true)}><Icon name="edit" /></button>}
          <button type="button" class="icon-button" aria-label={t("message.copyLink")} title={t("message.copyLink")}
            onClick={() => void navigator.clipboard.writeText(location.origin + messageLink(m))
              .then(() => { setError(null); setCopied(true); setTimeout(() => setCopied(false), 3000); }, () => setError(t("error.generic")))}>
            <Icon name="link" />
          </button>
          {canPin && (!m.pinnedAt || canUnpin) && (
            <button type="button" class="icon-button" aria-label={m.pinnedAt ? t("message.unpin") : t("message.pin")}
              title={m.pinnedAt ? t("message.unpin") : t("message.pin")} aria-pressed={!!m.pinnedAt}
              onClick={() => void togglePin()}><Icon name="pin" /></button>
          )}
          {(mine || canModerate) && (
            <button type="button" class="icon-button" aria-label={t("message.delete")}
              onClick={() => { if (confirm(t("message.confirmDelete"))) void act(() => api.remove(c.id, m.id)); }}><Icon name="trash" /></button>
          )}
          {picker && (
            <div class="emoji-picker" role="group" aria-label={t("message.react")}>
              {quickReactions.map(emoji => (
                <button type="button" key={emoji} class="icon-button" aria-label={emoji}
                  onClick={() => { setPicker(false); void act(() => api.react(c.id, m.id, emoji, true)); }}>{emoji}</button>
              ))}
              <button type="button" class="icon-button" aria-label={t("emoji.more")} title={t("emoji.more")}
                onClick={() => { setPicker(false); setFullPicker(true); }}><Icon name="plus" /></button>
            </div>
          )}
          {fullPicker && (
            <EmojiPicker label={t("message.react")}
              onPick={emoji => { setFullPicker(false); reactButton.current?.focus(); void act(() => api.react(c.id, m.id, emoji, true)); }}
              onClose={() => { setFullPicker(false); reactButton.current?.focus(); }} />
          )}
        </div>
      )}
    </article>
  );
}

export function PendingItem({ pending: p }: { pending: Pending }) {
  return (
    <article class="message pending" aria-label={t("message.pending")}>
      <Avatar userId={session.value!.me.id} />
      <div class="message-body">
        <header><strong>{userName(session.value!.me.id)}</strong><span class="muted">{p.error ? t("message.failed") : t("message.sending")}</span></header>
        <p class="content pre">{p.content}</p>
        {p.error && (
          <p class="error" role="alert">{problemText(new ApiError(p.error.status, p.error.code, p.error.message, false))}{" "}
            <button type="button" class="link-button" onClick={() => void retry(p.clientMessageId)}>{t("message.retry")}</button>{" "}
            <button type="button" class="link-button" onClick={() => void discard(p.clientMessageId)}>{t("message.discard")}</button>
          </p>
        )}
        {!p.error && <button type="button" class="link-button" onClick={() => void flush()}>{t("message.retryNow")}</button>}
      </div>
    </article>
  );
}

function Attachment({ file }: { file: FileInfo }) {
  const image = isImage(file);
  const [preview, setPreview] = useState<string | null>(null);
  const [large, setLarge] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!image) return;
    let url: string | null = null;
    fetchFile(file.id).then(blob => { url = URL.createObjectURL(blob); setPreview(url); }).catch(() => {});
    return () => { if (url) URL.revokeObjectURL(url); };
  }, [file.id]);

  async function download() {
    const blob = await fetchFile(file.id);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = file.fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  return (
    <div class="attachment">
      {preview && (
        <button type="button" class="image-button" ref={opener} aria-label={t("lightbox.open", { name: file.fileName })}
          onClick={() => setLarge(true)}>
          <img src={preview} alt={file.fileName} class="preview" />
        </button>
      )}
      {large && <Lightbox file={file} onClose={() => { setLarge(false); opener.current?.focus(); }} />}
      <button type="button" class="file-button" onClick={() => void download()} aria-label={t("file.download", { name: file.fileName })}>
        <Icon name="file" /> <span class="file-name">{file.fileName}</span> <span class="muted">{formatSize(file.size)}</span>
      </button>
    </div>
  );
}
