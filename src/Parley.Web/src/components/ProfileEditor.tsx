// Settings: one's own profile, status and avatar.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, uploadAvatar, User } from "../api";
import { t } from "../i18n";
import { activeStatus, applyUser, session, users } from "../state";
import { problemText } from "./AuthCard";
import { Avatar } from "./Profile";

const zones: string[] = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
const deviceZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function useAttempt() {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  async function attempt(work: () => Promise<User | void>, done: string) {
    setMessage(null);
    try {
      const user = await work();
      if (user) applyUser(user);
      setMessage({ ok: true, text: done });
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? problemText(e) : t("error.generic") });
    }
  }
  const shown = message && <p class={message.ok ? "notice" : "error"} role={message.ok ? "status" : "alert"}>{message.text}</p>;
  return { attempt, shown };
}

export function ProfileEditor() {
  const me = session.value!.me;
  const user = users.value.get(me.id);
  const [name, setName] = useState(user?.displayName ?? me.displayName);
  const [title, setTitle] = useState(user?.title ?? "");
  const [pronouns, setPronouns] = useState(user?.pronouns ?? "");
  const [zone, setZone] = useState(user?.timeZone ?? "");
  // The fields stay disabled until the saved profile is in them: typing earlier would be overwritten when it arrives.
  const [loaded, setLoaded] = useState(false);
  const { attempt, shown } = useAttempt();
  useEffect(() => {
    api.profile().then(p => {
      applyUser(p);
      setName(p.displayName); setTitle(p.title ?? ""); setPronouns(p.pronouns ?? ""); setZone(p.timeZone ?? "");
    }).catch(() => {}).finally(() => setLoaded(true));
  }, []);

  return (
    <section class="card stack" aria-labelledby="profile-heading">
      <h2 id="profile-heading">{t("profile.title")}</h2>
      <AvatarEditor />
      <form class="stack" onSubmit={e => {
        e.preventDefault();
        void attempt(() => api.editProfile({ displayName: name, title, pronouns, timeZone: zone }), t("profile.saved"));
      }}>
        <fieldset class="stack plain" disabled={!loaded} aria-busy={!loaded}>
        <label>{t("profile.name")}<input required maxLength={80} value={name} onInput={e => setName(e.currentTarget.value)} /></label>
        <label>{t("profile.jobTitle")}<input maxLength={80} value={title} onInput={e => setTitle(e.currentTarget.value)} /></label>
        <label>{t("profile.pronouns")}<input maxLength={40} value={pronouns} placeholder={t("profile.pronounsExample")}
          onInput={e => setPronouns(e.currentTarget.value)} /></label>
        <label>{t("profile.timeZone")}
          <input list="time-zones" maxLength={64} value={zone} placeholder={deviceZone} autoComplete="off"
            onInput={e => setZone(e.currentTarget.value)} />
        </label>
        <datalist id="time-zones">{zones.map(z => <option key={z} value={z} />)}</datalist>
        {!zone && <button type="button" class="link-button" onClick={() => setZone(deviceZone)}>{t("profile.useDeviceZone", { zone: deviceZone })}</button>}
        <button type="submit" class="primary">{t("profile.save")}</button>
        </fieldset>
      </form>
      {shown}
      <StatusEditor current={user} />
    </section>
  );
}

const clearChoices = ["never", "30", "60", "240", "today"] as const;

function endOf(choice: (typeof clearChoices)[number]): string | null {
  if (choice === "never") return null;
  if (choice === "today") { const d = new Date(); d.setHours(23, 59, 0, 0); return d.toISOString(); }
  return new Date(Date.now() + Number(choice) * 60_000).toISOString();
}

function StatusEditor({ current }: { current: User | undefined }) {
  const status = activeStatus(current);
  const [emoji, setEmoji] = useState(status?.emoji ?? "");
  const [text, setText] = useState(status?.text ?? "");
  const [clearAfter, setClearAfter] = useState<(typeof clearChoices)[number]>("60");
  const { attempt, shown } = useAttempt();
  return (
    <form class="stack status-form" onSubmit={e => { e.preventDefault(); void attempt(() => api.setStatus(text, emoji, endOf(clearAfter)), t("status.saved")); }}>
      <h3>{t("status.title")}</h3>
      <div class="row wrap">
        <label class="emoji-field">{t("status.emoji")}<input maxLength={16} value={emoji} placeholder="📅" onInput={e => setEmoji(e.currentTarget.value)} /></label>
        <label class="grow">{t("status.text")}<input maxLength={100} value={text} placeholder={t("status.example")} onInput={e => setText(e.currentTarget.value)} /></label>
      </div>
      <label>{t("status.clearAfter")}
        <select value={clearAfter} onChange={e => setClearAfter(e.currentTarget.value as (typeof clearChoices)[number])}>
          {clearChoices.map(c => <option key={c} value={c}>{t(`status.clear.${c}`)}</option>)}
        </select>
      </label>
      <div class="row wrap">
        <button type="submit" class="primary">{t("status.set")}</button>
        {status && <button type="button" class="secondary" onClick={() => {
          const me = current!;
          void attempt(async () => { await api.clearStatus(); setEmoji(""); setText(""); return { ...me, status: null }; }, t("status.cleared"));
        }}>{t("status.clearNow")}</button>}
      </div>
      {shown}
    </form>
  );
}

/** A picture, a square chosen with zoom and position sliders (keyboard-friendly), sent with the square's place. */
function AvatarEditor() {
  const me = session.value!.me;
  const user = users.value.get(me.id);
  const [file, setFile] = useState<File | null>(null);
  const [image, setImage] = useState<HTMLImageElement | null>(null);
  const [zoom, setZoom] = useState(1);
  const [across, setAcross] = useState(50);
  const [down, setDown] = useState(50);
  const canvas = useRef<HTMLCanvasElement>(null);
  const { attempt, shown } = useAttempt();

  useEffect(() => {
    if (!file) { setImage(null); return; }
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => setImage(img);
    img.onerror = () => setImage(null);
    img.src = url;
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const crop = image && (() => {
    const side = Math.max(1, Math.floor(Math.min(image.naturalWidth, image.naturalHeight) / zoom));
    return {
      x: Math.round((image.naturalWidth - side) * across / 100),
      y: Math.round((image.naturalHeight - side) * down / 100),
      size: side,
    };
  })();

  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context || !image || !crop) return;
    context.clearRect(0, 0, 160, 160);
    context.drawImage(image, crop.x, crop.y, crop.size, crop.size, 0, 0, 160, 160);
  }, [image, zoom, across, down]);

  return (
    <div class="avatar-editor stack">
      <div class="row wrap">
        <Avatar userId={me.id} size="large" />
        <label class="grow">{t("avatar.choose")}
          <input type="file" accept="image/png,image/jpeg,image/webp" onChange={e => setFile(e.currentTarget.files?.[0] ?? null)} />
        </label>
      </div>
      {image && crop && (
        <div class="cropper row wrap">
          <canvas ref={canvas} width={160} height={160} class="crop-preview" role="img" aria-label={t("avatar.preview")} />
          <div class="stack grow">
            <label>{t("avatar.zoom")}<input type="range" min={1} max={4} step={0.1} value={zoom} onInput={e => setZoom(Number(e.currentTarget.value))} /></label>
            <label>{t("avatar.across")}<input type="range" min={0} max={100} value={across} onInput={e => setAcross(Number(e.currentTarget.value))} /></label>
            <label>{t("avatar.down")}<input type="range" min={0} max={100} value={down} onInput={e => setDown(Number(e.currentTarget.value))} /></label>
            <button type="button" class="primary" onClick={() => void attempt(async () => {
              const updated = await uploadAvatar(file!, crop);
              setFile(null);
              return updated;
            }, t("avatar.saved"))}>{t("avatar.save")}</button>
          </div>
        </div>
      )}
      {user?.avatarUrl && !image && (
        <button type="button" class="secondary" onClick={() => void attempt(async () => {
          await api.removeAvatar();
          return { ...user, avatarUrl: null };
        }, t("avatar.removed"))}>{t("avatar.remove")}</button>
      )}
      {shown}
    </div>
  );
}
