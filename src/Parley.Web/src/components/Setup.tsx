import { useState } from "preact/hooks";
import { api, ApiError, call, User } from "../api";
import { t } from "../i18n";
import { navigate, signIn } from "../state";
import { deviceName, problemText } from "./SignIn";

/** /setup#token: the first organization and its owner, on a server that has none yet (the link is printed at start). */
export function Setup() {
  const token = location.hash.slice(1);
  const [organization, setOrganization] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(token ? null : t("setup.noToken"));
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call<User>("POST", "/setup", { token, organization, email, displayName: name, password });
      const result = await api.login(email, password, deviceName());
      signIn({ token: result.token, me: result.me });
      history.replaceState(null, "", "/");
      navigate("/");
    } catch (err) {
      setError(err instanceof ApiError ? (err.code === "setup-unavailable" ? t("setup.unavailable") : problemText(err)) : t("error.generic"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth-page" id="main">
      <form class="auth-card" onSubmit={submit}>
        <img src="/icons/icon.svg" alt="" width={56} height={56} />
        <h1>{t("setup.title")}</h1>
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
        <label>{t("invite.password")}
          <input type="password" required minLength={10} maxLength={256} autocomplete="new-password" aria-describedby="setup-password-hint"
            value={password} onInput={e => setPassword(e.currentTarget.value)} />
        </label>
        <p id="setup-password-hint" class="hint">{t("invite.passwordHint")}</p>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy || !token}>{t("setup.submit")}</button>
      </form>
    </main>
  );
}
