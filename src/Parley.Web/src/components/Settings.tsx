import { useEffect, useState } from "preact/hooks";
import { api, Session } from "../api";
import { chooseLanguage, formatDateTime, Language, languageChoice, t } from "../i18n";
import { disconnect } from "../realtime";
import { session, signOut } from "../state";
import { PageHeader } from "./PageHeader";
import { NotificationSettings } from "./NotificationSettings";
import { ProfileEditor } from "./ProfileEditor";
import { DirectorySyncSettings } from "./DirectorySync";
import { ProvisioningSettings } from "./Provisioning";
import { TwoFactorSettings } from "./Security";
import { SsoSettings } from "./SsoSettings";

export function LanguagePicker() {
  return (
    <label class="language-picker">{t("settings.language")}
      <select value={languageChoice.value} onChange={e => chooseLanguage(e.currentTarget.value as Language | "auto")}>
        <option value="auto">{t("settings.languageAuto")}</option>
        <option value="en" lang="en">English</option>
        <option value="fr" lang="fr">Français</option>
      </select>
    </label>
  );
}

export function Settings() {
  const [sessions, setSessions] = useState<Session[]>([]);
  const load = () => api.sessions().then(setSessions).catch(() => {});
  useEffect(() => { void load(); }, []);
  const me = session.value!.me;

  async function signOutThisDevice() {
    await api.revokeSession("current").catch(() => {});
    await disconnect();
    signOut();
  }

  return (
    <div class="page">
      <PageHeader title={t("settings.title")} />
      <section class="card stack">
        <h2>{t("settings.account")}</h2>
        <p>{me.displayName} · {me.email} · {t(`role.${me.role}` as "role.owner")}</p>
        <LanguagePicker />
      </section>
      <ProfileEditor />
      <NotificationSettings />
      <TwoFactorSettings />
      {(me.role === "owner" || me.role === "admin") && <SsoSettings />}
      {(me.role === "owner" || me.role === "admin") && <ProvisioningSettings />}
      {(me.role === "owner" || me.role === "admin") && <DirectorySyncSettings />}
      <section class="card stack">
        <h2>{t("settings.devices")}</h2>
        <ul class="device-list">
          {sessions.map(s => (
            <li key={s.id}>
              <div>
                <strong>{s.deviceName}</strong>{s.current && <span class="tag">{t("settings.thisDevice")}</span>}
                <p class="muted">{t("settings.lastSeen", { when: formatDateTime(s.lastSeenAt) })}</p>
              </div>
              {s.current
                ? <button type="button" class="secondary danger" onClick={() => void signOutThisDevice()}>{t("settings.signOutThis")}</button>
                : <button type="button" class="secondary" onClick={() => void api.revokeSession(s.id).then(load)}>{t("settings.signOut")}</button>}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
