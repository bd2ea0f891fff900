// The home page: for someone new, what to do next; for everyone, the way back into their conversations.
import { t } from "../i18n";
import { conversations, navigate, session, users } from "../state";

export function Welcome() {
  return (
    <div class="empty-state welcome">
      <h1>{t("app.welcomeTitle")}</h1>
      <p>{conversations.value.length ? t("app.welcomeText") : t("welcome.newHere")}</p>
      <NextSteps />
    </div>
  );
}

/** Someone who has not written or read anything yet: on a phone, home is the list, so the steps go there too. */
export function isNewcomer() {
  return conversations.value.every(c => c.kind !== "direct" && c.kind !== "group" && c.lastReadSeq === 0);
}

export function NextSteps() {
  const me = session.value!.me;
  const profile = users.value.get(me.id);
  const channels = conversations.value.filter(c => c.kind === "public" || c.kind === "private");
  const go = (path: string) => (e: MouseEvent) => { e.preventDefault(); navigate(path); };
  const profileDone = Boolean(profile?.avatarUrl || profile?.title);
  return (
    <>
      <h2>{t("welcome.next")}</h2>
      <ol class="next-steps">
        {!profileDone && <li><a href="/settings" onClick={go("/settings")}>{t("welcome.profile")}</a></li>}
        {channels.length > 0 && <li>{t("welcome.sayHello")}</li>}
        <li><a href="/browse" onClick={go("/browse")}>{t("welcome.browse")}</a></li>
        <li>{t("welcome.direct")}</li>
      </ol>
    </>
  );
}
