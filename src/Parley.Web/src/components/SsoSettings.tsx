import { useEffect, useState } from "preact/hooks";
import { api, ApiError, SsoSettings as Settings, SsoSettingsChange } from "../api";
import { t } from "../i18n";
import { problemText } from "./AuthCard";

const empty: SsoSettingsChange = {
  displayName: "", issuer: "", clientId: "", clientSecret: "", scopes: ["openid", "email", "profile"], nameClaim: "name",
  emailClaim: "email", emailVerifiedClaim: "email_verified", roleClaim: "", adminRoleValues: [], guestRoleValues: [],
  justInTime: "match-verified-email", allowedDomains: [],
};

const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);
const lines = (text: string) => text.split("\n").map(l => l.trim()).filter(Boolean);

/**
 * Admins: the organization's OpenID Connect provider (the client secret is write-only) and whether passwords still
 * sign in. The redirect URI to register at the provider shows once the settings are saved.
 */
export function SsoSettings() {
  const [saved, setSaved] = useState<Settings | null>(null);
  const [form, setForm] = useState<SsoSettingsChange>(empty);
  const [passwordAllowed, setPasswordAllowed] = useState<boolean | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState(false);

  function show(settings: Settings | null) {
    setSaved(settings);
    setForm(settings ? { ...settings, clientSecret: "" } : empty);
  }

  useEffect(() => {
    Promise.all([
      api.ssoSettings().then(show).catch(e => { if (!(e instanceof ApiError && e.code === "sso-not-configured")) throw e; show(null); }),
      api.passwordSignIn().then(p => setPasswordAllowed(p.allowed)),
    ]).catch(() => setMessage({ error: true, text: t("error.generic") })).finally(() => setLoaded(true));
  }, []);

  async function run(work: () => Promise<string>) {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ error: false, text: await work() });
    } catch (e) {
      setMessage({ error: true, text: e instanceof ApiError ? problemText(e) : t("error.generic") });
    } finally {
      setBusy(false);
    }
  }

  const save = (e: Event) => { e.preventDefault(); void run(async () => {
    const { clientSecret, ...rest } = form;
    show(await api.saveSsoSettings(clientSecret ? { ...rest, clientSecret } : rest));
    return t("sso.settings.saved");
  }); };
  const remove = () => run(async () => { await api.removeSsoSettings(); show(null); return t("sso.settings.removed"); });
  const togglePassword = (allowed: boolean) => run(async () => {
    setPasswordAllowed((await api.setPasswordSignIn(allowed)).allowed);
    return t("sso.settings.saved");
  });
  const set = <K extends keyof SsoSettingsChange>(key: K) => (value: SsoSettingsChange[K]) => setForm({ ...form, [key]: value });

  if (!loaded) return null;
  return (
    <section class="card stack" aria-labelledby="sso-title">
      <h2 id="sso-title">{t("sso.settings.title")}</h2>
      <p class="hint">{t("sso.settings.intro")}</p>
      <form class="stack" onSubmit={save}>
        <label>{t("sso.settings.displayName")}
          <input required maxLength={60} value={form.displayName} onInput={e => set("displayName")(e.currentTarget.value)} />
        </label>
        <label>{t("sso.settings.issuer")}
          <input required type="url" maxLength={500} placeholder="https://login.example.com/realms/acme" value={form.issuer}
            onInput={e => set("issuer")(e.currentTarget.value)} />
        </label>
        <label>{t("sso.settings.clientId")}
          <input required maxLength={200} autocomplete="off" value={form.clientId} onInput={e => set("clientId")(e.currentTarget.value)} />
        </label>
        <label>{t("sso.settings.clientSecret")}
          <input type="password" autocomplete="new-password" maxLength={1000} required={!saved?.hasClientSecret}
            placeholder={saved?.hasClientSecret ? t("sso.settings.secretKept") : ""} value={form.clientSecret}
            onInput={e => set("clientSecret")(e.currentTarget.value)} />
        </label>
        <label>{t("sso.settings.domains")}
          <input required placeholder="example.com" value={form.allowedDomains.join(" ")}
            onInput={e => set("allowedDomains")(words(e.currentTarget.value))} />
        </label>
        <fieldset>
          <legend>{t("sso.settings.justInTime")}</legend>
          <label class="inline"><input type="radio" name="jit" checked={form.justInTime === "match-verified-email"}
            onChange={() => set("justInTime")("match-verified-email")} /> {t("sso.settings.matchOnly")}</label>
          <label class="inline"><input type="radio" name="jit" checked={form.justInTime === "create-accounts"}
            onChange={() => set("justInTime")("create-accounts")} /> {t("sso.settings.createAccounts")}</label>
        </fieldset>
        <details>
          <summary>{t("sso.settings.advanced")}</summary>
          <div class="stack">
            <label>{t("sso.settings.scopes")}
              <input value={form.scopes.join(" ")} onInput={e => set("scopes")(words(e.currentTarget.value))} />
            </label>
            <label>{t("sso.settings.nameClaim")}<input value={form.nameClaim} onInput={e => set("nameClaim")(e.currentTarget.value)} /></label>
            <label>{t("sso.settings.emailClaim")}<input value={form.emailClaim} onInput={e => set("emailClaim")(e.currentTarget.value)} /></label>
            <label>{t("sso.settings.emailVerifiedClaim")}
              <input value={form.emailVerifiedClaim} onInput={e => set("emailVerifiedClaim")(e.currentTarget.value)} />
            </label>
            <label>{t("sso.settings.roleClaim")}<input value={form.roleClaim} onInput={e => set("roleClaim")(e.currentTarget.value)} /></label>
            <label>{t("sso.settings.adminValues")}
              <textarea rows={2} value={form.adminRoleValues.join("\n")} onInput={e => set("adminRoleValues")(lines(e.currentTarget.value))} />
            </label>
            <label>{t("sso.settings.guestValues")}
              <textarea rows={2} value={form.guestRoleValues.join("\n")} onInput={e => set("guestRoleValues")(lines(e.currentTarget.value))} />
            </label>
          </div>
        </details>
        {saved && <p>{t("sso.settings.redirectUri")} <code>{saved.redirectUri}</code></p>}
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>{t("sso.settings.save")}</button>
          {saved && <button type="button" class="secondary danger" disabled={busy} onClick={() => void remove()}>{t("sso.settings.remove")}</button>}
        </div>
      </form>
      {passwordAllowed !== null && (
        <label class="inline">
          <input type="checkbox" checked={passwordAllowed} disabled={busy || (!saved && passwordAllowed)}
            onChange={e => void togglePassword(e.currentTarget.checked)} /> {t("sso.settings.passwordAllowed")}
        </label>
      )}
      {message && <p class={message.error ? "error" : "notice"} role={message.error ? "alert" : "status"}>{message.text}</p>}
    </section>
  );
}
