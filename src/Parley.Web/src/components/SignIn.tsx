import { useEffect, useState } from "preact/hooks";
import { api, ApiError, OrganizationChoice, SsoOption } from "../api";
import { Key, t } from "../i18n";
import { signedOutReason } from "../state";
import { AuthCard, deviceName, open, organizationChoice, signInAndOpen } from "./AuthCard";
import { LanguagePicker } from "./Settings";

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [organizations, setOrganizations] = useState<OrganizationChoice[] | null>(null);
  const [organizationId, setOrganizationId] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [restartError, setRestartError] = useState<string | null>(null);
  const [ssoOptions, setSsoOptions] = useState<SsoOption[]>(organizationFromAddress);
  const reason = signedOutReason.value;

  // The end of a single sign-on: the provider sent the browser back to the server, which sent it here with a ticket.
  useEffect(() => {
    const ending = ssoEnding();
    if (!ending) return;
    history.replaceState(null, "", location.pathname + location.search);
    if ("error" in ending) { setRestartError(ssoErrorText(ending.error)); return; }
    api.completeSso(ending.ticket, deviceName()).then(open).catch(e => {
      if (e instanceof ApiError && e.code === "second-factor-required" && typeof e.problem.challenge === "string") setChallenge(e.problem.challenge);
      else setRestartError(e instanceof ApiError && e.code === "sso-ticket-invalid" ? t("sso.error.expired") : t("error.generic"));
    });
  }, []);

  // Once the email has a domain, ask which providers take it: the screen learns of no other organization's.
  useEffect(() => {
    if (organizationFromAddress().length) return;
    const domain = /@[^@\s]+\.[^@\s]+$/.test(email.trim()) ? email.trim().toLowerCase() : null;
    if (!domain) { setSsoOptions([]); return; }
    const timer = setTimeout(() => { api.ssoOptions(domain).then(r => setSsoOptions(r.options)).catch(() => setSsoOptions([])); }, 400);
    return () => clearTimeout(timer);
  }, [email]);
  const passwordAllowed = ssoOptions.length === 0 || ssoOptions.some(o => o.passwordSignInAllowed);

  async function action() {
    try {
      await signInAndOpen(email, password, organizations ? organizationId : undefined);
    } catch (e) {
      if (e instanceof ApiError && e.code === "second-factor-required" && typeof e.problem.challenge === "string") {
        setChallenge(e.problem.challenge);     // the password was right: the session comes with the second step
        return;
      }
      if (e instanceof ApiError && e.code === "password-sign-in-disabled" && typeof e.problem.organizationId === "string"
        && !ssoOptions.some(o => o.organizationId === e.problem.organizationId))
        setSsoOptions([...ssoOptions, { organizationId: e.problem.organizationId, providerName: "", passwordSignInAllowed: false }]);
      const choice = organizationChoice(e);
      if (!choice?.length) throw e;
      setOrganizations(choice);                 // the same person in several organizations: ask which one, then again
      setOrganizationId(choice[0].id);
    }
  }

  if (challenge)
    return <SecondFactor challenge={challenge} restart={error => { setChallenge(null); setPassword(""); setRestartError(error); }} />;

  return (
    <AuthCard title={t("signIn.title")} submit={t("signIn.submit")} busyText={t("signIn.busy")} action={action} initialError={restartError}
      key={restartError ?? ""} noSubmit={!passwordAllowed}
      footer={<>
        {ssoOptions.map(o => (
          <a key={o.organizationId} class="button secondary sso-button" href={`/api/v1/auth/oidc/${o.organizationId}/start`}>
            {o.providerName ? t("sso.signInWith", { provider: o.providerName }) : t("sso.signInWithOrganization")}
          </a>
        ))}
        <p class="hint">{t("signIn.noAccount")}</p><LanguagePicker />
      </>}>
      {reason && <p class="notice" role="status">{t(reason === "expired" ? "signIn.expired" : "signIn.ended")}</p>}
      <label>{t("signIn.email")}
        <input type="email" autocomplete="username" required value={email}
          onInput={e => { setEmail(e.currentTarget.value); setOrganizations(null); }} />
      </label>
      {passwordAllowed
        ? <label>{t("signIn.password")}
            <input type="password" autocomplete="current-password" required value={password} onInput={e => setPassword(e.currentTarget.value)} />
          </label>
        : <p class="hint">{t("sso.passwordOff")}</p>}
      {organizations && (
        <fieldset>
          <legend>{t("signIn.chooseOrganization")}</legend>
          {organizations.map(o => (
            <label class="inline" key={o.id}>
              <input type="radio" name="organization" value={o.id} checked={organizationId === o.id}
                onChange={() => setOrganizationId(o.id)} /> {o.name}
            </label>
          ))}
        </fieldset>
      )}
    </AuthCard>
  );
}

/** `#sso={ticket}` or `#sso-error={code}`: how the server ends a single sign-on in this page's address. */
function ssoEnding(): { ticket: string } | { error: string } | null {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const ticket = fragment.get("sso"), error = fragment.get("sso-error");
  return ticket ? { ticket } : error ? { error } : null;
}

/** An organization's own sign-in address, `/?organization={id}`, shows its single sign-on button straight away. */
function organizationFromAddress(): SsoOption[] {
  const id = new URLSearchParams(location.search).get("organization");
  return id && /^[0-9a-f-]{36}$/i.test(id) ? [{ organizationId: id, providerName: "", passwordSignInAllowed: true }] : [];
}

const ssoErrors: Record<string, Key> = {
  "oidc-not-available": "sso.error.notAvailable",
  "oidc-provider-unreachable": "sso.error.unreachable",
  "oidc-provider-misconfigured": "sso.error.unreachable",
  "oidc-state-invalid": "sso.error.state",
  "oidc-provider-refused": "sso.error.refused",
  "oidc-email-unverified": "sso.error.emailUnverified",
  "oidc-email-domain-not-allowed": "sso.error.domain",
  "oidc-account-not-found": "sso.error.noAccount",
  "oidc-account-linked-elsewhere": "sso.error.linkedElsewhere",
  "oidc-account-deactivated": "sso.error.deactivated",
};

/** What went wrong, in the person's language; the ID token's faults all read as one (the code is in the audit log). */
function ssoErrorText(code: string): string {
  return t(ssoErrors[code] ?? "sso.error.token", { code });
}

/** The second step: a code from the authenticator app, or a recovery code. The challenge expires after 5 minutes. */
function SecondFactor(props: { challenge: string; restart: (error: string | null) => void }) {
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState(false);

  async function action() {
    try {
      open(await api.secondFactor(props.challenge, code.trim()));
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== "second-factor-challenge-invalid") throw e;
      props.restart(t("error.secondFactorChallenge"));   // back to the password, saying why
    }
  }

  return (
    <AuthCard title={t("twoFactor.stepTitle")} submit={t("twoFactor.verify")} busyText={t("twoFactor.verifying")} action={action}
      footer={<button type="button" class="link-button" onClick={() => props.restart(null)}>{t("twoFactor.startOver")}</button>}>
      <p class="hint">{recovery ? t("twoFactor.recoveryText") : t("twoFactor.stepText")}</p>
      {recovery
        ? <label key="recovery">{t("twoFactor.recoveryCode")}
            <input autoFocus required autocomplete="off" autocapitalize="off" spellcheck={false} maxLength={40} value={code}
              onInput={e => setCode(e.currentTarget.value)} />
          </label>
        : <label key="app">{t("twoFactor.code")}
            <input autoFocus required inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} value={code}
              onInput={e => setCode(e.currentTarget.value)} />
          </label>}
      <button type="button" class="link-button" onClick={() => { setRecovery(!recovery); setCode(""); }}>
        {recovery ? t("twoFactor.useApp") : t("twoFactor.useRecovery")}
      </button>
    </AuthCard>
  );
}
