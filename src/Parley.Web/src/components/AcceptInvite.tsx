import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { AuthCard, NewPasswordField, signInAndOpen } from "./AuthCard";

/** /invite#token: the invited person chooses a name and a password, and is signed in. */
export function AcceptInvite() {
  const token = location.hash.slice(1);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  return (
    <AuthCard title={t("invite.title")} submit={t("invite.submit")} disabled={!token}
      initialError={token ? null : t("error.inviteUnknown")}
      action={async () => { const accepted = await api.acceptInvite(token, name, password); await signInAndOpen(accepted.me.email, password); }}>
      <p>{t("invite.text")}</p>
      <label>{t("invite.name")}
        <input required maxLength={80} autocomplete="name" value={name} onInput={e => setName(e.currentTarget.value)} />
      </label>
      <NewPasswordField id="invite-password" value={password} onInput={setPassword} />
    </AuthCard>
  );
}
