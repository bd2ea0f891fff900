// Notifications on this device: the Notification API while the app is open in the background, Web Push when it is
// closed (the service worker shows those, public/sw.js), and an optional sound. The choice is per device.
import { signal } from "@preact/signals";
import { api, Conversation, Message } from "./api";
import { t } from "./i18n";
import { conversations, conversationTitle, navigate, session, timelines, userName } from "./state";

const enabledKey = "parley.notifications", soundKey = "parley.notificationSound";

export type Permission = NotificationPermission | "unsupported";

export const notificationsEnabled = signal(localStorage.getItem(enabledKey) === "on");
export const soundEnabled = signal(localStorage.getItem(soundKey) === "on");
export const permission = signal<Permission>(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
/** Whether this browser also gets pushes when the app is closed (false where it has no push service). */
export const pushActive = signal(false);

/** Asks for the permission (from a click: browsers require a gesture), then subscribes this session to Web Push. */
export async function enableNotifications(): Promise<void> {
  if (typeof Notification === "undefined") return;
  permission.value = await Notification.requestPermission();
  if (permission.value !== "granted") return;
  localStorage.setItem(enabledKey, "on");
  notificationsEnabled.value = true;
  void subscribePush();            // may take a while, or never settle where the browser has no push service
}

export async function disableNotifications(): Promise<void> {
  localStorage.removeItem(enabledKey);
  notificationsEnabled.value = false;
  pushActive.value = false;
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    await (await registration?.pushManager?.getSubscription())?.unsubscribe();
  } catch { /* nothing to undo */ }
  await api.unsubscribePush().catch(() => {});
}

export function setSound(on: boolean) {
  if (on) localStorage.setItem(soundKey, "on"); else localStorage.removeItem(soundKey);
  soundEnabled.value = on;
}

/** Subscribes (again) after sign-in when the person turned notifications on: a new session has no subscription yet. */
export async function subscribePush(): Promise<void> {
  if (!notificationsEnabled.value || permission.value !== "granted" || !session.value) return;
  try {
    const registration = await navigator.serviceWorker?.ready;
    if (!registration?.pushManager) return;
    const { publicKey } = await api.pushKey();
    const subscription = await registration.pushManager.getSubscription()
      ?? await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(publicKey) });
    await api.subscribePush(subscription.toJSON());
    pushActive.value = true;
  } catch {
    pushActive.value = false;        // no push service here (or blocked): notifications while the app is open still work
  }
}

/** Why this person hears about a message, or null: direct conversations, mentions, replies in their threads. */
export function reasonFor(m: Message, c: Conversation, me: string): "direct" | "mention" | "reply" | null {
  if (m.senderId === me || c.notifications === "muted") return null;
  const mentioned = m.mentionsChannel || m.mentions.includes(me);
  if (mentioned) return "mention";
  if (c.notifications === "mentions") return null;
  if (c.kind === "direct" || c.kind === "group") return "direct";
  if (m.threadRootId !== null && takesPartIn(m.conversationId, m.threadRootId, me)) return "reply";
  return null;
}

function takesPartIn(conversationId: number, rootId: number, me: string): boolean {
  const messages = timelines.value.get(conversationId)?.messages;
  if (!messages) return false;
  for (const message of messages.values())
    if ((message.id === rootId || message.threadRootId === rootId) && message.senderId === me) return true;
  return false;
}

/** A new message over the live connection: a notification when the page is hidden and the person wants one. */
export function notifyOfMessage(m: Message) {
  const me = session.value?.me.id;
  const c = conversations.value.find(x => x.id === m.conversationId);
  if (!me || !c || !document.hidden) return;
  const reason = reasonFor(m, c, me);
  if (!reason) return;
  if (soundEnabled.value) beep();
  if (!notificationsEnabled.value || typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const sender = userName(m.senderId);
  const title = c.kind === "direct" ? sender : t("notify.title", { sender, conversation: conversationTitle(c) });
  const body = (m.content ?? "").replace(/\s+/g, " ").trim().slice(0, 120) || (m.attachments[0]?.fileName ?? "");
  // The push for the same message, if one comes, carries the same tag: the browser shows one notification, not two.
  const notification = new Notification(title, { body, tag: `c${m.conversationId}-${m.seq}`, icon: "/icons/icon-192.png", lang: document.documentElement.lang });
  notification.onclick = () => { window.focus(); navigate(`/c/${m.conversationId}`); notification.close(); };
}

/** A short two-tone chime made here (Web Audio), so no sound file ships with the app. */
export function beep() {
  try {
    const AudioContextClass = window.AudioContext ?? (window as unknown as { webkitAudioContext: typeof AudioContext }).webkitAudioContext;
    const context = new AudioContextClass();
    const gain = context.createGain();
    gain.connect(context.destination);
    gain.gain.setValueAtTime(0.0001, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, context.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.35);
    for (const [frequency, start] of [[880, 0], [1320, 0.12]] as const) {
      const tone = context.createOscillator();
      tone.type = "sine";
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(context.currentTime + start);
      tone.stop(context.currentTime + start + 0.2);
    }
    setTimeout(() => void context.close(), 600);
  } catch { /* no audio here */ }
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const bytes = new Uint8Array(new ArrayBuffer(atob(base64).length));
  atob(base64).split("").forEach((ch, i) => { bytes[i] = ch.charCodeAt(0); });
  return bytes;
}
