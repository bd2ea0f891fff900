import { useEffect, useRef, useState } from "preact/hooks";
import { api, Me, whenEnrolmentRequired, whenUnauthorized } from "../api";
import { t } from "../i18n";
import { subscribePush } from "../notifications";
import { connect, disconnect } from "../realtime";
import { connection, refreshConversations, refreshUsers, route, session, signIn, signOut } from "../state";
import { AcceptInvite } from "./AcceptInvite";
import { BrowseChannels } from "./BrowseChannels";
import { Compliance } from "./Compliance";
import { ConversationView } from "./ConversationView";
import { People } from "./People";
import { SearchPage, Switcher } from "./Search";
import { ProfileCard } from "./Profile";
import { Welcome } from "./Welcome";
import { LanguagePicker, Settings } from "./Settings";
import { TwoFactorSettings } from "./Security";
import { Setup } from "./Setup";
import { Sidebar } from "./Sidebar";
import { SignIn } from "./SignIn";

// The server no longer takes this session: back to the sign-in, saying why. Unsent messages wait for the same person.
whenUnauthorized(code => { void disconnect(); signOut(code === "session-expired" ? "expired" : "ended"); });
// The organization came to require two-factor (or an admin reset ours): only the enrolment is open until it is set up.
whenEnrolmentRequired(() => {
  const current = session.value;
  if (current && !current.me.twoFactorEnrolmentRequired) signIn({ ...current, me: { ...current.me, twoFactorEnrolmentRequired: true } });
});

export function App() {
  if (route.value.startsWith("/invite")) return <AcceptInvite />;
  if (route.value.startsWith("/setup")) return <Setup />;
  if (!session.value) return <SignIn />;
  if (session.value.me.twoFactorEnrolmentRequired) return <EnrolmentRequired />;
  return <Shell key={session.value.me.sessionId} />;
}

function Shell() {
  useEffect(() => {
    void refreshUsers();
    void refreshConversations();
    void connect();
    void subscribePush();                             // a new session on a device where notifications are on
    return () => void disconnect();
  }, []);
  const [switcher, setSwitcher] = useState(false);
  useEffect(() => {                                   // Ctrl+K / Cmd+K, from anywhere: go to a conversation or a person
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") { e.preventDefault(); setSwitcher(true); }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const path = route.value;
  const inConversation = path.startsWith("/c/");
  const home = path === "/" || path === "";
  // A compliance officer takes part in no conversation: the console is their home.
  const officer = session.value!.me.role === "compliance";
  // The banner takes its own row above the app, so it never covers a header.
  return (
    <div class="frame">
      <a class="skip-link" href="#main">{t("app.skipToContent")}</a>
      {connection.value !== "online" && (
        <div class={`banner banner-${connection.value}`} role="status">
          {t(`connection.${connection.value}`)}
        </div>
      )}
      <div class={`shell ${home ? "at-home" : "away"}`}>
        <Sidebar />
        <main id="main" class="main" tabIndex={-1}>
          {inConversation ? <ConversationView /> :
            path === "/settings" ? <Settings /> :
            path === "/people" ? <People /> :
            path === "/browse" ? <BrowseChannels /> :
            path === "/search" && !officer ? <SearchPage /> :
            path === "/compliance" || (home && officer) ? <Compliance /> :
            <Welcome />}
        </main>
      </div>
      <ProfileCard />
      {switcher && <Switcher onClose={() => setSwitcher(false)} />}
    </div>
  );
}

/** What a session kept to the enrolment by the organization's policy shows: the setup, and a way out. */
function EnrolmentRequired() {
  // Once on, the page stays until the recovery codes were seen; then the app opens with who the server says we are.
  const enabledMe = useRef<Me | null>(null);
  async function signOutHere() {
    await api.revokeSession("current").catch(() => {});
    signOut();
  }
  function proceed() {
    const current = session.value;
    if (current && enabledMe.current) signIn({ ...current, me: enabledMe.current });
  }
  return (
    <main class="page enrolment-page" id="main">
      <TwoFactorSettings onEnabled={() => void api.me().then(me => { enabledMe.current = me; }).catch(() => {})} onDone={proceed} />
      <div class="stack">
        <LanguagePicker />
        <button type="button" class="secondary" onClick={() => void signOutHere()}>{t("twoFactor.signOut")}</button>
      </div>
    </main>
  );
}
