import { useEffect, useState } from "preact/hooks";
import { api, ApiError, Conversation, Member } from "../api";
import { t } from "../i18n";
import { Icon } from "./Icon";
import { navigate, presence, refreshConversations, session, users } from "../state";
import { problemText } from "./AuthCard";
import { Avatar, PersonButton, StatusEmoji } from "./Profile";

export function MembersPanel(props: { conversation: Conversation; onClose: () => void }) {
  const c = props.conversation;
  const me = session.value!.me;
  const [members, setMembers] = useState<Member[]>([]);
  const [adding, setAdding] = useState("");
  const [error, setError] = useState<string | null>(null);
  const canManage = (c.kind === "public" || c.kind === "private") && (me.role === "admin" || me.role === "owner" || c.myRole === "owner" || c.myRole === "moderator");
  const load = () => api.members(c.id).then(setMembers).catch(() => {});
  useEffect(() => { void load(); }, [c.id]);
  const addable = [...users.value.values()].filter(u => u.active && !members.some(m => m.userId === u.id));

  async function attempt(work: () => Promise<unknown>) {
    setError(null);
    try { await work(); await load(); } catch (e) { setError(e instanceof ApiError ? problemText(e) : t("error.generic")); }
  }

  return (
    <aside class="side-panel" aria-label={t("members.title")}>
      <header class="panel-header">
        <h2>{t("members.title")} ({members.length})</h2>
        <button type="button" class="icon-button" aria-label={t("common.close")} onClick={props.onClose}><Icon name="close" /></button>
      </header>
      <div class="panel-body">
        <ul class="member-list">
          {members.map(m => (
            <li key={m.userId}>
              <span class={`presence-dot ${presence.value.has(m.userId) ? "online" : ""}`} role="img"
                aria-label={presence.value.has(m.userId) ? t("presence.online") : t("presence.offline")} />
              <Avatar userId={m.userId} />
              <span><PersonButton userId={m.userId}>{m.displayName}</PersonButton> <span class="muted">@{m.handle}</span></span>
              <StatusEmoji userId={m.userId} />
              {m.role !== "member" && <span class="tag">{t(`role.${m.role}` as "role.owner")}</span>}
              {canManage && m.userId !== me.id && (
                <button type="button" class="link-button" onClick={() => void attempt(() => api.removeMember(c.id, m.userId))}>{t("members.remove")}</button>
              )}
            </li>
          ))}
        </ul>
        {canManage && !c.archived && (
          <form class="stack" onSubmit={e => { e.preventDefault(); if (adding) void attempt(() => api.addMember(c.id, adding)).then(() => setAdding("")); }}>
            <label>{t("members.add")}
              <select value={adding} onChange={e => setAdding(e.currentTarget.value)}>
                <option value="">{t("members.choose")}</option>
                {addable.map(u => <option key={u.id} value={u.id}>{u.displayName} ({u.email})</option>)}
              </select>
            </label>
            <button type="submit" class="secondary" disabled={!adding}>{t("members.addButton")}</button>
          </form>
        )}
        {c.isMember && c.kind !== "direct" && (
          <button type="button" class="secondary danger" onClick={() => void attempt(async () => {
            await api.leave(c.id); await refreshConversations(); navigate("/");
          })}>{t("members.leave")}</button>
        )}
        {error && <p class="error" role="alert">{error}</p>}
      </div>
    </aside>
  );
}
