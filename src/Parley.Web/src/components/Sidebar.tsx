import { useState } from "preact/hooks";
import { Conversation } from "../api";
import { t } from "../i18n";
import { conversations, conversationTitle, currentConversationId, navigate, presence, route, session } from "../state";
import { NewChannelDialog, NewDirectDialog } from "./Dialogs";
import { Icon } from "./Icon";
import { SearchBox } from "./Search";
import { isNewcomer, NextSteps } from "./Welcome";

export function Sidebar() {
  const [dialog, setDialog] = useState<"channel" | "direct" | null>(null);
  const me = session.value!.me;
  const channels = conversations.value.filter(c => c.kind === "public" || c.kind === "private");
  const directs = conversations.value.filter(c => c.kind === "direct" || c.kind === "group");
  const isAdmin = me.role === "admin" || me.role === "owner";
  const officer = me.role === "compliance";

  return (
    <nav class="sidebar" aria-label={t("nav.label")}>
      <header class="sidebar-header">
        <strong>{me.organizationName}</strong>
        <span class="muted">{me.displayName}</span>
      </header>
      {!officer && <>
        <SearchBox />
        {isNewcomer() && <section class="first-steps phone-only"><NextSteps /></section>}
        <Section title={t("nav.channels")} items={channels} addLabel={me.role === "guest" ? null : t("nav.newChannel")} onAdd={() => setDialog("channel")} />
        {me.role !== "guest" && (
          <a class={`nav-link ${route.value === "/browse" ? "active" : ""}`} href="/browse" onClick={go("/browse")}>{t("nav.browse")}</a>
        )}
        <Section title={t("nav.direct")} items={directs} addLabel={t("nav.newDirect")} onAdd={() => setDialog("direct")} />
      </>}
      <div class="sidebar-footer">
        {(isAdmin || officer) && (
          <a class={`nav-link ${route.value === "/compliance" ? "active" : ""}`} href="/compliance" onClick={go("/compliance")}>{t("nav.compliance")}</a>
        )}
        {isAdmin && <a class={`nav-link ${route.value === "/people" ? "active" : ""}`} href="/people" onClick={go("/people")}>{t("nav.people")}</a>}
        <a class={`nav-link ${route.value === "/settings" ? "active" : ""}`} href="/settings" onClick={go("/settings")}>{t("nav.settings")}</a>
      </div>
      {dialog === "channel" && <NewChannelDialog onClose={() => setDialog(null)} />}
      {dialog === "direct" && <NewDirectDialog onClose={() => setDialog(null)} />}
    </nav>
  );
}

function go(path: string) {
  return (e: MouseEvent) => { e.preventDefault(); navigate(path); };
}

function Section(props: { title: string; items: Conversation[]; addLabel: string | null; onAdd: () => void }) {
  return (
    <section class="nav-section">
      <h2>
        <span>{props.title}</span>
        {props.addLabel && <button type="button" class="icon-button" aria-label={props.addLabel} title={props.addLabel} onClick={props.onAdd}><Icon name="plus" /></button>}
      </h2>
      <ul>
        {props.items.map(c => <ConversationLink key={c.id} conversation={c} />)}
      </ul>
    </section>
  );
}

function ConversationLink({ conversation: c }: { conversation: Conversation }) {
  const title = conversationTitle(c);
  const active = currentConversationId.value === c.id;
  const other = c.kind === "direct" ? (c.memberIds ?? []).find(id => id !== session.value?.me.id) : undefined;
  const muted = c.notifications === "muted";
  const showUnread = c.unread > 0 && !muted && c.notifications !== "mentions";
  const unreadLabel = c.unread ? t("nav.unread", { count: c.unread }) : "";
  const mentionLabel = c.unreadMentions ? t("nav.mentions", { count: c.unreadMentions }) : "";
  return (
    <li>
      <a href={`/c/${c.id}`} class={`conversation-link ${active ? "active" : ""} ${showUnread || (c.unreadMentions > 0 && !muted) ? "unread" : ""} ${muted ? "silenced" : ""}`}
        aria-current={active ? "page" : undefined} onClick={go(`/c/${c.id}`)}>
        <span class="conversation-icon" aria-hidden="true"><Icon name={c.kind === "public" ? "hash" : c.kind === "private" ? "lock" : "at"} /></span>
        {other && <span class={`presence-dot ${presence.value.has(other) ? "online" : ""}`}
          role="img" aria-label={presence.value.has(other) ? t("presence.online") : t("presence.offline")} />}
        <span class="conversation-name">{title}</span>
        {muted && <span class="conversation-muted" role="img" aria-label={t("notifications.level.muted")}><Icon name="bellOff" /></span>}
        {c.unreadMentions > 0 && !muted && <span class="badge mention" aria-label={mentionLabel}>@{c.unreadMentions}</span>}
        {showUnread && <span class="badge" aria-label={unreadLabel}>{c.unread}</span>}
      </a>
    </li>
  );
}
