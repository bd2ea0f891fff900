import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { t } from "../i18n";
import { navigate, signIn } from "../state";
import { LanguagePicker } from "./Settings";

export function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  return system ? `${browser} · ${system}` : browser;
}

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.login(email, password, deviceName());
      signIn({ token: result.token, me: result.me });
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
        <h1>{t("signIn.title")}</h1>
        <label>{t("signIn.email")}
          <input type="email" autocomplete="username" required value={email} onInput={e => setEmail(e.currentTarget.value)} />
        </label>
        <label>{t("signIn.password")}
          <input type="password" autocomplete="current-password" required value={password} onInput={e => setPassword(e.currentTarget.value)} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? t("signIn.busy") : t("signIn.submit")}</button>
        <p class="hint">{t("signIn.noAccount")}</p>
        <LanguagePicker />
      </form>
    </main>
  );
}

/** A problem's message in the user's language when we know its code, else the server's own title. */
export function problemText(error: ApiError): string {
  const known: Record<string, Parameters<typeof t>[0]> = {
    "invalid-credentials": "error.invalidCredentials",
    "login-throttled": "error.throttled",
    "rate-limited": "error.rateLimited",
    "offline": "error.offline",
    "invite-used": "error.inviteUsed",
    "invite-expired": "error.inviteExpired",
    "invite-unknown": "error.inviteUnknown",
    "validation-failed": "error.validation",
    "message-too-long": "error.messageTooLong",
    "file-too-large": "error.fileTooLarge",
    "conversation-name-taken": "error.nameTaken",
    "conversation-archived": "error.archived",
    "email-taken": "error.emailTaken",
    "not-found": "error.notFound",
  };
  return known[error.code] ? t(known[error.code]) : error.message;
}
