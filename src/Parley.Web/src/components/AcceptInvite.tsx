import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { t } from "../i18n";
import { navigate, signIn } from "../state";
import { deviceName, problemText } from "./SignIn";

/** /invite#token: the invited person chooses a name and a password, and is signed in. */
export function AcceptInvite() {
  const token = location.hash.slice(1);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(token ? null : t("error.inviteUnknown"));
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await api.acceptInvite(token, name, password);
      const result = await api.login(user.email, password, deviceName());
      signIn({ token: result.token, me: result.me });
      history.replaceState(null, "", "/");
      navigate("/");
    } catch (err) {
      setError(err instanceof ApiError ? problemText(err) : t("error.generic"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth-page" id="main">
      <form class="auth-card" onSubmit={submit}>
        <img src="/icons/icon.svg" alt="" width={56} height={56} />
        <h1>{t("invite.title")}</h1>
        <p>{t("invite.text")}</p>
        <label>{t("invite.name")}
          <input required maxLength={80} autocomplete="name" value={name} onInput={e => setName(e.currentTarget.value)} />
        </label>
        <label>{t("invite.password")}
          <input type="password" required minLength={10} maxLength={256} autocomplete="new-password" aria-describedby="password-hint"
            value={password} onInput={e => setPassword(e.currentTarget.value)} />
        </label>
        <p id="password-hint" class="hint">{t("invite.passwordHint")}</p>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy || !token}>{t("invite.submit")}</button>
      </form>
    </main>
  );
}
