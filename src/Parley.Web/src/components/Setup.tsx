import { useState } from "preact/hooks";
import { call, User } from "../api";
import { t } from "../i18n";
import { AuthCard, NewPasswordField, signInAndOpen } from "./AuthCard";

/** /setup#token: the first organization and its owner, on a server that has none yet (the link is printed at start). */
export function Setup() {
  const token = location.hash.slice(1);
  const [organization, setOrganization] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  return (
    <AuthCard title={t("setup.title")} submit={t("setup.submit")} disabled={!token}
      initialError={token ? null : t("setup.noToken")}
      action={async () => {
        await call<User>("POST", "/setup", { token, organization, email, displayName: name, password });
        await signInAndOpen(email, password);
      }}>
      <p>{t("setup.text")}</p>
      <label>{t("setup.organization")}
        <input required maxLength={100} value={organization} onInput={e => setOrganization(e.currentTarget.value)} />
      </label>
      <label>{t("invite.name")}
        <input required maxLength={80} autocomplete="name" value={name} onInput={e => setName(e.currentTarget.value)} />
      </label>
      <label>{t("signIn.email")}
        <input type="email" required autocomplete="username" value={email} onInput={e => setEmail(e.currentTarget.value)} />
      </label>
      <NewPasswordField id="setup-password" value={password} onInput={setPassword} />
    </AuthCard>
  );
}
