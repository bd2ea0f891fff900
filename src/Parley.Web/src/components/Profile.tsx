// How people appear: avatars (a picture, or initials on a colour of their own), custom statuses, the profile card.
import { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, fetchAvatar, User } from "../api";
import { language, t } from "../i18n";
import { activeStatus, conversations, navigate, presence, profileCardUserId, session, users } from "../state";
import { problemText } from "./AuthCard";
import { Dialog } from "./Dialogs";

/** Up to two letters: the first of the first and of the last word of the name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = Array.from(words[0])[0] ?? "";
  const last = words.length > 1 ? Array.from(words[words.length - 1])[0] ?? "" : "";
  return (first + last).toLocaleUpperCase();
}

/**
 * A hue taken from the user id (FNV-1a), so that two people with the same initials still look different, and the same
 * person looks the same everywhere. Saturation and lightness are fixed where white text keeps a 4.5:1 contrast on
 * every hue (the worst, yellow, is about 4.7:1).
 */
export function colourOf(userId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193) >>> 0;
  return `hsl(${hash % 360} 55% 30%)`;
}

const pictures = new Map<string, Promise<string>>();

/** Each avatar URL is fetched once per page: it carries a version, so what it names never changes. */
function picture(url: string): Promise<string> {
  let known = pictures.get(url);
  if (!known) {
    known = fetchAvatar(url).then(blob => URL.createObjectURL(blob));
    known.catch(() => pictures.delete(url));
    pictures.set(url, known);
  }
  return known;
}

/** Decorative: the name is always next to it, so it is hidden from assistive technology. */
export function Avatar(props: { userId: string; size?: "small" | "large" }) {
  const user = users.value.get(props.userId);
  const url = user?.avatarUrl ?? null;
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    setSrc(null);
    if (!url) return;
    let live = true;
    picture(url).then(s => { if (live) setSrc(s); }).catch(() => {});
    return () => { live = false; };
  }, [url]);
  const size = props.size ?? "small";
  if (src) return <img class={`avatar avatar-${size}`} src={src} alt="" aria-hidden="true" />;
  return (
    <span class={`avatar avatar-${size} initials`} style={{ background: colourOf(props.userId) }} aria-hidden="true">
      {initials(user?.displayName ?? "")}
    </span>
  );
}

/** The emoji of someone's status, with its text for those who point at it or listen. */
export function StatusEmoji({ userId }: { userId: string }) {
  const status = activeStatus(users.value.get(userId));
  if (!status) return null;
  const label = t("status.of", { status: [status.emoji, status.text].filter(Boolean).join(" ") });
  return <span class="status-emoji" role="img" aria-label={label} title={label}>{status.emoji ?? "💬"}</span>;
}

export function StatusLine({ user }: { user: User | undefined }) {
  const status = activeStatus(user);
  if (!status) return null;
  return (
    <p class="status-line">
      {status.emoji && <span aria-hidden="true">{status.emoji} </span>}
      {status.text ?? ""}
      {status.expiresAt && <span class="muted"> · {t("status.until", { time: localTime(status.expiresAt) })}</span>}
    </p>
  );
}

function localTime(iso: string, timeZone?: string) {
  return new Intl.DateTimeFormat(language.value, { hour: "numeric", minute: "2-digit", ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
}

/** A button that opens someone's profile card: their name, wherever it is shown. */
export function PersonButton({ userId, children }: { userId: string; children: ComponentChildren }) {
  return <button type="button" class="person-button" onClick={() => { profileCardUserId.value = userId; }}>{children}</button>;
}

export function ProfileCard() {
  const userId = profileCardUserId.value;
  const [error, setError] = useState<string | null>(null);
  if (!userId) return null;
  const user = users.value.get(userId);
  const me = session.value!.me;
  const close = () => { profileCardUserId.value = null; setError(null); };
  const online = presence.value.has(userId);

  async function message() {
    try {
      const direct = await api.openDirect([userId!]);
      if (!conversations.value.some(c => c.id === direct.id)) conversations.value = [...conversations.value, direct];
      close();
      navigate(`/c/${direct.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? problemText(e) : t("error.generic"));
    }
  }

  return (
    <Dialog key={userId} title={user?.displayName ?? "…"} onClose={close}>
      <div class="profile-card stack">
        <div class="profile-head">
          <Avatar userId={userId} size="large" />
          <div>
            {user?.title && <p>{user.title}</p>}
            {user?.pronouns && <p class="muted">{user.pronouns}</p>}
            <p class="presence-line">
              <span class={`presence-dot ${online ? "online" : ""}`} aria-hidden="true" />
              {online ? t("presence.online") : t("presence.offline")}
            </p>
          </div>
        </div>
        <StatusLine user={user} />
        {user?.timeZone && <p>{t("profile.localTime", { time: localTime(new Date().toISOString(), user.timeZone), zone: user.timeZone })}</p>}
        {user && <p class="muted">@{user.handle} · {user.email}</p>}
        {userId !== me.id
          ? <button type="button" class="primary" onClick={() => void message()}>{t("profile.message")}</button>
          : <button type="button" class="secondary" onClick={() => { close(); navigate("/settings"); }}>{t("profile.edit")}</button>}
        {error && <p class="error" role="alert">{error}</p>}
      </div>
    </Dialog>
  );
}
