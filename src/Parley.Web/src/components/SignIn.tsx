import { useState } from "preact/hooks";
import { OrganizationChoice } from "../api";
import { t } from "../i18n";
import { signedOutReason } from "../state";
import { AuthCard, organizationChoice, signInAndOpen } from "./AuthCard";
import { LanguagePicker } from "./Settings";

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [organizations, setOrganizations] = useState<OrganizationChoice[] | null>(null);
  const [organizationId, setOrganizationId] = useState("");
  const reason = signedOutReason.value;

  async function action() {
    try {
      await signInAndOpen(email, password, organizations ? organizationId : undefined);
    } catch (e) {
      const choice = organizationChoice(e);
      if (!choice?.length) throw e;
      setOrganizations(choice);                 // the same person in several organizations: ask which one, then again
      setOrganizationId(choice[0].id);
    }
  }

  return (
    <AuthCard title={t("signIn.title")} submit={t("signIn.submit")} busyText={t("signIn.busy")} action={action}
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
