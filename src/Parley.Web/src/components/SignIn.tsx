import { useState } from "preact/hooks";
import { api, ApiError, OrganizationChoice } from "../api";
import { t } from "../i18n";
import { signedOutReason } from "../state";
import { AuthCard, open, organizationChoice, signInAndOpen } from "./AuthCard";
import { LanguagePicker } from "./Settings";

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [organizations, setOrganizations] = useState<OrganizationChoice[] | null>(null);
  const [organizationId, setOrganizationId] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [restartError, setRestartError] = useState<string | null>(null);
  const reason = signedOutReason.value;

  async function action() {
    try {
      await signInAndOpen(email, password, organizations ? organizationId : undefined);
    } catch (e) {
      if (e instanceof ApiError && e.code === "second-factor-required" && typeof e.problem.challenge === "string") {
        setChallenge(e.problem.challenge);     // the password was right: the session comes with the second step
        return;
      }
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
      footer={<><p class="hint">{t("signIn.noAccount")}</p><LanguagePicker /></>}>
      {reason && <p class="notice" role="status">{t(reason === "expired" ? "signIn.expired" : "signIn.ended")}</p>}
      <label>{t("signIn.email")}
        <input type="email" autocomplete="username" required value={email}
          onInput={e => { setEmail(e.currentTarget.value); setOrganizations(null); }} />
      </label>
      <label>{t("signIn.password")}
        <input type="password" autocomplete="current-password" required value={password} onInput={e => setPassword(e.currentTarget.value)} />
      </label>
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
