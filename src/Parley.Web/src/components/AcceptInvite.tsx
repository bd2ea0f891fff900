import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { navigate } from "../state";
import { AuthCard, deviceName, NewPasswordField, open, signInAndOpen } from "./AuthCard";

/** /invite#token: the invited person chooses a name and a password, and is signed in. */
export function AcceptInvite() {
  const token = location.hash.slice(1);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");

  async function accept() {
    const result = await api.acceptInvite(token, name, password, deviceName());
    if (result.token && result.me && result.sessionId) open({ token: result.token, sessionId: result.sessionId, me: result.me });
    else if (result.email) await signInAndOpen(result.email, password);   // a server that answers the new user only
    else { history.replaceState(null, "", "/"); navigate("/"); }
  }

  return (
    <AuthCard title={t("invite.title")} submit={t("invite.submit")} disabled={!token}
      initialError={token ? null : t("error.inviteUnknown")} action={accept}>
      <p>{t("invite.text")}</p>
      <label>{t("invite.name")}
        <input required maxLength={80} autocomplete="name" value={name} onInput={e => setName(e.currentTarget.value)} />
      </label>
      <NewPasswordField id="invite-password" value={password} onInput={setPassword} />
    </AuthCard>
  );
}
