import { useEffect } from "preact/hooks";
import { Conversation } from "../api";
import { t } from "../i18n";
import { Icon } from "./Icon";
import { pendingIn } from "../outbox";
import { loadReplies, timelines } from "../state";
import { draftPlace } from "../drafts";
import { Composer } from "./Composer";
import { MessageItem, PendingItem } from "./MessageItem";

export function ThreadPanel(props: { conversation: Conversation; rootId: number; onClose: () => void }) {
  const c = props.conversation;
  useEffect(() => { void loadReplies(c.id, props.rootId); }, [c.id, props.rootId]);
  const all = timelines.value.get(c.id)?.messages;
  const root = all?.get(props.rootId);
  const replies = all ? [...all.values()].filter(m => m.threadRootId === props.rootId).sort((a, b) => a.seq - b.seq) : [];
  const pending = pendingIn(c.id, props.rootId, all?.values() ?? []);

  return (
    <aside class="side-panel" aria-label={t("thread.title")}>
      <header class="panel-header">
        <h2>{t("thread.title")}</h2>
        <button type="button" class="icon-button" aria-label={t("common.close")} onClick={props.onClose}><Icon name="close" /></button>
      </header>
      <div class="panel-body" role="log" aria-label={t("thread.replies")}>
        {root && <MessageItem message={root} conversation={c} inThread />}
        <hr />
        {replies.map(m => <MessageItem key={m.id} message={m} conversation={c} inThread />)}
        {pending.map(p => <PendingItem key={p.clientMessageId} pending={p} />)}
      </div>
      {c.isMember && <Composer key={draftPlace(c.id, props.rootId)} conversation={c} threadRootId={props.rootId} />}
    </aside>
  );
}
