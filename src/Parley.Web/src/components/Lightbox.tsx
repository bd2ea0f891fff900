import { useEffect, useRef, useState } from "preact/hooks";
import { fetchFile, FileInfo } from "../api";
import { t } from "../i18n";
import { timelines } from "../state";
import { Icon } from "./Icon";

export const isImage = (file: FileInfo) => /^image\/(png|jpeg|gif|webp)$/.test(file.contentType);

/** The images sent in a conversation that this client holds, oldest first: what the arrow keys move through. */
function imagesOf(conversationId: number): FileInfo[] {
  const messages = [...(timelines.value.get(conversationId)?.messages.values() ?? [])]
    .filter(m => !m.deleted).sort((a, b) => a.seq - b.seq);
  return messages.flatMap(m => m.attachments.filter(isImage));
}

/**
 * An image shown large, in a modal dialog: Escape or the close button closes it (the opener takes the focus back), and the
 * arrow keys or buttons go to the conversation's previous and next images.
 */
export function Lightbox(props: { file: FileInfo; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const images = imagesOf(props.file.conversationId);
  const [id, setId] = useState(props.file.id);
  const index = Math.max(images.findIndex(f => f.id === id), 0);
  const file = images[index] ?? props.file;
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => { dialog.current?.showModal(); }, []);

  useEffect(() => {
    let live = true;
    let made: string | null = null;
    setUrl(null);
    setFailed(false);
    fetchFile(file.id).then(blob => { made = URL.createObjectURL(blob); if (live) setUrl(made); }, () => { if (live) setFailed(true); });
    return () => { live = false; if (made) URL.revokeObjectURL(made); };
  }, [file.id]);

  const go = (step: number) => {
    const next = images[index + step];
    if (next) setId(next.id);
  };

  return (
    <dialog ref={dialog} class="lightbox" aria-label={file.fileName} onClose={props.onClose}
      onKeyDown={e => {
        if (e.key === "ArrowLeft") { e.preventDefault(); go(-1); }
        if (e.key === "ArrowRight") { e.preventDefault(); go(1); }
      }}>
      <header class="lightbox-header">
        <h2 class="file-name">{file.fileName}</h2>
        {images.length > 1 && <span class="muted">{t("lightbox.position", { index: index + 1, count: images.length })}</span>}
        <button type="button" class="icon-button" aria-label={t("common.close")} onClick={() => dialog.current?.close()}><Icon name="close" /></button>
      </header>
      <div class="lightbox-body">
        {images.length > 1 && (
          <button type="button" class="icon-button" aria-label={t("lightbox.previous")} disabled={index === 0} onClick={() => go(-1)}>
            <Icon name="back" />
          </button>
        )}
        {url ? <img src={url} alt={file.fileName} /> : failed ? <p class="error" role="alert">{t("error.generic")}</p>
          : <p class="muted" aria-busy="true">{t("app.loading")}</p>}
        {images.length > 1 && (
          <button type="button" class="icon-button next" aria-label={t("lightbox.next")} disabled={index === images.length - 1} onClick={() => go(1)}>
            <Icon name="back" />
          </button>
        )}
      </div>
    </dialog>
  );
}
