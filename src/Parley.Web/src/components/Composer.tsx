import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, Conversation, Member } from "../api";
import { attach, clearUploads, draftPlace, loadDraft, removeUpload, saveDraft, uploadsAt } from "../drafts";
import { formatSize, t } from "../i18n";
import { enqueue } from "../outbox";
import { sendTyping } from "../realtime";
import { editingAt, editKey, lastOwnMessage } from "../state";
import { Icon } from "./Icon";
import { problemText } from "./AuthCard";
import { EmojiPicker } from "./EmojiPicker";
import { FormattingHelp } from "./FormattingHelp";

/**
 * Markdown composer: Enter sends, Shift+Enter starts a new line, @ suggests members, files by button or drop. Its
 * draft and files belong to one conversation or thread (drafts.ts); render it with `key={place}` so that another
 * place starts from its own draft.
 */
export function Composer(props: { conversation: Conversation; threadRootId: number | null }) {
  const c = props.conversation;
  const place = draftPlace(c.id, props.threadRootId);
  const [text, setTextState] = useState(() => loadDraft(place));
  const setText = (value: string) => { setTextState(value); saveDraft(place, value); };
  const uploads = uploadsAt(place);
  const [members, setMembers] = useState<Member[]>([]);
  const [suggest, setSuggest] = useState<{ query: string; start: number; index: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const emojiButton = useRef<HTMLButtonElement>(null);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const helpButton = useRef<HTMLButtonElement>(null);
  const idPrefix = `composer-${c.id}-${props.threadRootId ?? "main"}`;

  useEffect(() => { api.members(c.id).then(setMembers).catch(() => setMembers([])); }, [c.id]);

  // The whole conversation accepts dropped files, from the moment it shows: a layout effect runs before the first paint,
  // where an effect would leave a frame or more (on a busy machine) in which a drop opens the file in the browser.
  useLayoutEffect(() => {
    const zone = form.current?.closest(".conversation-main, .side-panel") as HTMLElement | null;
    if (!zone) return;
    const over = (e: DragEvent) => { if (e.dataTransfer?.types.includes("Files")) { e.preventDefault(); setDragging(true); } };
    const leave = (e: DragEvent) => { if (e.target === zone) setDragging(false); };
    const drop = (e: DragEvent) => { e.preventDefault(); setDragging(false); if (e.dataTransfer?.files.length) addFiles(e.dataTransfer.files); };
    zone.addEventListener("dragover", over);
    zone.addEventListener("dragleave", leave);
    zone.addEventListener("drop", drop);
    return () => { zone.removeEventListener("dragover", over); zone.removeEventListener("dragleave", leave); zone.removeEventListener("drop", drop); };
  }, [c.id]);

  const candidates = suggest
    ? members.filter(m => m.handle.startsWith(suggest.query.toLowerCase()) || m.displayName.toLowerCase().startsWith(suggest.query.toLowerCase())).slice(0, 6)
    : [];

  function addFiles(files: FileList) {
    attach(place, c.id, Array.from(files));
  }

  function onInput(e: Event) {
    const el = e.currentTarget as HTMLTextAreaElement;
    setText(el.value);
    sendTyping(c.id);
    const before = el.value.slice(0, el.selectionStart);
    const match = /(^|\s)@([\w.-]*)$/.exec(before);
    setSuggest(match ? { query: match[2], start: before.length - match[2].length - 1, index: 0 } : null);
  }

  function choose(member: Member) {
    if (!suggest) return;
    const el = area.current!;
    const next = `${text.slice(0, suggest.start)}@${member.handle} ${text.slice(el.selectionStart)}`;
    setText(next);
    setSuggest(null);
    requestAnimationFrame(() => { el.focus(); const at = suggest.start + member.handle.length + 2; el.setSelectionRange(at, at); });
  }

  /** Puts the emoji where the cursor is (over any selection), and the cursor after it. */
  function insertEmoji(emoji: string) {
    const el = area.current!;
    const [start, end] = [el.selectionStart ?? text.length, el.selectionEnd ?? text.length];
    setText(text.slice(0, start) + emoji + text.slice(end));
    setEmojiOpen(false);
    requestAnimationFrame(() => { el.focus(); el.setSelectionRange(start + emoji.length, start + emoji.length); });
  }

  function onKeyDown(e: KeyboardEvent) {
    if (suggest && candidates.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const step = e.key === "ArrowDown" ? 1 : -1;
        setSuggest({ ...suggest, index: (suggest.index + step + candidates.length) % candidates.length });
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); choose(candidates[suggest.index]); return; }
      if (e.key === "Escape") { e.preventDefault(); setSuggest(null); return; }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.current?.requestSubmit(); }
    // The up arrow in an empty composer edits one's last message here, as in Slack.
    if (e.key === "ArrowUp" && !text && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      const last = lastOwnMessage(c.id, props.threadRootId);
      if (last) { e.preventDefault(); editingAt.value = editKey(last.id, props.threadRootId !== null); }
    }
  }

  function submit(e: Event) {
    e.preventDefault();
    if (uploads.some(u => !u.file && !u.error)) return;          // wait for uploads to finish
    const attachmentIds = uploads.filter(u => u.file).map(u => u.file!.id);
    if (!text.trim() && attachmentIds.length === 0) return;
    void enqueue({ conversationId: c.id, content: text, threadRootId: props.threadRootId, attachmentIds });
    setText("");
    clearUploads(place);
    setSuggest(null);
  }

  const label = props.threadRootId ? t("composer.replyLabel") : t("composer.label");
  return (
    <form class={`composer ${dragging ? "dragging" : ""}`} ref={form} onSubmit={submit}>
      {dragging && <div class="drop-hint" aria-hidden="true">{t("composer.drop")}</div>}
      {uploads.length > 0 && (
        <ul class="uploads" aria-label={t("composer.files")}>
          {uploads.map(u => (
            <li key={u.key}>
              <span class="file-name">{u.name}</span>
              {u.error ? <span class="error">{u.error === "failed" ? t("error.generic") : problemText(u.error)}</span>
                : u.file ? <span class="muted">{formatSize(u.file.size)}</span>
                : <progress value={u.progress} max={1} aria-label={t("composer.uploading", { name: u.name })} />}
              <button type="button" class="icon-button" aria-label={t("composer.removeFile", { name: u.name })}
                onClick={() => removeUpload(place, u.key)}><Icon name="close" /></button>
            </li>
          ))}
        </ul>
      )}
      {suggest && candidates.length > 0 && (
        <ul class="suggestions" role="listbox" id={`${idPrefix}-suggestions`} aria-label={t("composer.suggestions")}>
          {candidates.map((m, i) => (
            <li key={m.userId} id={`${idPrefix}-option-${i}`} role="option" aria-selected={i === suggest.index}
              class={i === suggest.index ? "selected" : ""} onMouseDown={e => { e.preventDefault(); choose(m); }}>
              <strong>{m.displayName}</strong> <span class="muted">@{m.handle}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-row">
        <input type="file" ref={fileInput} multiple class="visually-hidden" id={`${idPrefix}-file`} tabIndex={-1} aria-label={t("composer.attach")}
          onChange={e => { const files = e.currentTarget.files; if (files?.length) addFiles(files); e.currentTarget.value = ""; }} />
        <button type="button" class="icon-button attach" aria-label={t("composer.attach")} title={t("composer.attach")}
          onClick={() => fileInput.current?.click()}><Icon name="attach" /></button>
        <button type="button" class="icon-button" ref={emojiButton} aria-label={t("emoji.insert")} title={t("emoji.insert")}
          aria-expanded={emojiOpen} disabled={c.archived} onClick={() => setEmojiOpen(!emojiOpen)}><Icon name="smile" /></button>
        <textarea ref={area} id={idPrefix} rows={1} aria-label={label} placeholder={label} value={text}
          disabled={c.archived} maxLength={10000} onInput={onInput} onKeyDown={onKeyDown}
          aria-autocomplete="list" aria-controls={suggest ? `${idPrefix}-suggestions` : undefined}
          aria-activedescendant={suggest && candidates.length ? `${idPrefix}-option-${suggest.index}` : undefined} />
        <button type="button" class="icon-button format-help" ref={helpButton} aria-label={t("format.open")} title={t("format.open")}
          onClick={() => setHelpOpen(true)}>?</button>
        <button type="submit" class="primary" disabled={c.archived}>{t("composer.send")}</button>
      </div>
      {emojiOpen && (
        <EmojiPicker label={t("emoji.insert")} onPick={insertEmoji}
          onClose={() => { setEmojiOpen(false); emojiButton.current?.focus(); }} />
      )}
      <p class="hint composer-hint">{t("composer.hint")}</p>
      {helpOpen && <FormattingHelp onClose={() => { setHelpOpen(false); helpButton.current?.focus(); }} />}
    </form>
  );
}
