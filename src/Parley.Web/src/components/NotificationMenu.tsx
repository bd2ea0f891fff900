import { useState } from "preact/hooks";
import { api, Conversation, NotificationLevel } from "../api";
import { t } from "../i18n";
import { updateConversation } from "../state";

/** The conversation's notification level for the signed-in person: all, mentions only, or muted. */
export function NotificationMenu({ conversation: c }: { conversation: Conversation }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  if (!c.isMember) return null;
  const level = c.notifications ?? "all";

  async function choose(next: NotificationLevel) {
    setBusy(true);
    setFailed(false);
    try {
      const saved = await api.setNotificationLevel(c.id, next);
      updateConversation(c.id, old => ({ ...old, notifications: saved.level }));
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <label class="notification-menu">
      <span class="visually-hidden">{t("notifications.level")}</span>
      <select value={level} disabled={busy} aria-invalid={failed || undefined} onChange={e => void choose(e.currentTarget.value as NotificationLevel)}>
        <option value="all">{t("notifications.level.all")}</option>
        <option value="mentions">{t("notifications.level.mentions")}</option>
        <option value="muted">{t("notifications.level.muted")}</option>
      </select>
    </label>
  );
}
