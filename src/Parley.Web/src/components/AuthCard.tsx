import { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError, OrganizationChoice, SignedIn } from "../api";
import { t } from "../i18n";
import { navigate, signIn } from "../state";

export function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  return system ? `${browser} · ${system}` : browser;
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
    "file-type-not-allowed": "error.fileTypeNotAllowed",
    "channel-creation-restricted": "error.channelCreationRestricted",
    "group-creation-restricted": "error.groupCreationRestricted",
    "guest-conversations-restricted": "error.guestConversationsRestricted",
    "edit-window-passed": "error.editWindowPassed",
    "delete-window-passed": "error.deleteWindowPassed",
    "conversation-name-taken": "error.nameTaken",
    "conversation-archived": "error.archived",
    "pin-limit-reached": "error.pinLimit",
    "not-the-pinner": "error.notThePinner",
    "email-taken": "error.emailTaken",
    "not-found": "error.notFound",
    "search-date-invalid": "error.searchDate",
    "search-person-unknown": "error.searchPerson",
    "search-conversation-unknown": "error.searchConversation",
    "search-query-too-long": "error.searchTooLong",
    "search-empty": "error.searchEmpty",
    "storage-full": "error.storageFull",
    "setup-unavailable": "setup.unavailable",
    "session-expired": "error.sessionExpired",
    "second-factor-invalid": "error.secondFactorInvalid",
    "second-factor-code-reused": "error.secondFactorReused",
    "second-factor-challenge-invalid": "error.secondFactorChallenge",
    "two-factor-enrolment-required": "error.enrolmentRequired",
    "time-zone-invalid": "error.timeZone",
    "avatar-not-an-image": "error.avatarNotImage",
    "avatar-format-unsupported": "error.avatarNotImage",
    "avatar-too-large": "error.avatarTooLarge",
    "avatar-dimensions-too-large": "error.avatarTooLarge",
    "status-emoji-invalid": "error.statusEmoji",
    "password-sign-in-disabled": "error.passwordSignInDisabled",
    "sso-ticket-invalid": "sso.error.expired",
    "sso-settings-invalid": "sso.error.settings",
    "sso-not-configured": "sso.error.notConfigured",
    "directory-not-configured": "directory.error.notConfigured",
    "directory-password-required": "directory.error.passwordRequired",
    "directory-url-invalid": "directory.error.url",
    "directory-dn-invalid": "directory.error.dn",
    "directory-filter-invalid": "directory.error.filter",
    "directory-groups-invalid": "directory.error.groups",
    "directory-attribute-invalid": "directory.error.attribute",
    "directory-password-invalid": "directory.error.password",
  };
  return known[error.code] ? t(known[error.code]) : error.message;
}

/**
 * Signs in on this device and opens the app (after a sign-in, an accepted invite or the first setup). A person with
 * accounts in several organizations gets ApiError `organization-choice-required`: ask, then call again with the id.
 */
export async function signInAndOpen(email: string, password: string, organizationId?: string) {
  open(await api.login(email, password, deviceName(), organizationId));
}

/** Keeps a session the server opened (a sign-in, an accepted invite) and opens the app. */
export function open(result: SignedIn) {
  signIn({ token: result.token, me: result.me });
  history.replaceState(null, "", "/");
  navigate("/");
}

/** The organizations to choose from when the server needs the choice, else null. */
export function organizationChoice(error: unknown): OrganizationChoice[] | null {
  if (!(error instanceof ApiError) || error.code !== "organization-choice-required") return null;
  const list = error.problem.organizations;
  return Array.isArray(list) ? list.filter(o => typeof o?.id === "string" && typeof o?.name === "string") : null;
}

/** The card every signed-out screen uses: a title, fields, one action that shows its progress and its error. */
export function AuthCard(props: {
  title: string; submit: string; busyText?: string; initialError?: string | null; disabled?: boolean;
  /** No submit button (the screen offers only other ways on, such as single sign-on). */
  noSubmit?: boolean;
  action: () => Promise<void>; children: ComponentChildren; footer?: ComponentChildren;
}) {
  const [error, setError] = useState<string | null>(props.initialError ?? null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.action();
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
        <h1>{props.title}</h1>
        {props.children}
        {error && <p class="error" role="alert">{error}</p>}
        {!props.noSubmit && <button type="submit" class="primary" disabled={busy || props.disabled}>{busy && props.busyText ? props.busyText : props.submit}</button>}
        {props.footer}
      </form>
    </main>
  );
}

/** A new password with its hint, as the server requires it (10 to 256 characters). */
export function NewPasswordField(props: { id: string; value: string; onInput: (value: string) => void }) {
  return (
    <>
      <label>{t("invite.password")}
        <input type="password" required minLength={10} maxLength={256} autocomplete="new-password" aria-describedby={`${props.id}-hint`}
          value={props.value} onInput={e => props.onInput(e.currentTarget.value)} />
      </label>
      <p id={`${props.id}-hint`} class="hint">{t("invite.passwordHint")}</p>
    </>
  );
}
