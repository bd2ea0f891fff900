import { useState } from "preact/hooks";
import { t } from "../i18n";
import { disableNotifications, enableNotifications, notificationsEnabled, permission, pushActive, setSound, soundEnabled } from "../notifications";

/** This device's notifications: the switch, what the browser allows, and the optional sound. */
export function NotificationSettings() {
  const [busy, setBusy] = useState(false);
  const state = permission.value;
  const on = notificationsEnabled.value && state === "granted";

  async function toggle(wanted: boolean) {
    setBusy(true);
    try {
      if (wanted) await enableNotifications(); else await disableNotifications();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card stack" aria-labelledby="notifications-title">
      <h2 id="notifications-title">{t("notifications.title")}</h2>
      <p class="muted">{t("notifications.intro")}</p>
      <label class="inline">
        <input type="checkbox" checked={on} disabled={busy || state === "unsupported" || state === "denied"}
          onChange={e => void toggle(e.currentTarget.checked)} /> {t("notifications.enable")}
      </label>
      <p class="muted" role="status">{t(`notifications.permission.${state}`)}
        {on && ` ${pushActive.value ? t("notifications.pushOn") : t("notifications.pushOff")}`}</p>
      <label class="inline">
        <input type="checkbox" checked={soundEnabled.value} onChange={e => setSound(e.currentTarget.checked)} /> {t("notifications.sound")}
      </label>
    </section>
  );
}
