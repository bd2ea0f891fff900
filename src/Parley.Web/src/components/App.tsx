import { useEffect } from "preact/hooks";
import { whenUnauthorized } from "../api";
import { t } from "../i18n";
import { connect, disconnect } from "../realtime";
import { connection, refreshConversations, refreshUsers, route, session, signOut } from "../state";
import { AcceptInvite } from "./AcceptInvite";
import { BrowseChannels } from "./BrowseChannels";
import { ConversationView } from "./ConversationView";
import { People } from "./People";
import { Settings } from "./Settings";
import { Setup } from "./Setup";
import { Sidebar } from "./Sidebar";
import { SignIn } from "./SignIn";

// The server no longer takes this session: back to the sign-in, saying why. Unsent messages wait for the same person.
whenUnauthorized(code => { void disconnect(); signOut(code === "session-expired" ? "expired" : "ended"); });

export function App() {
  if (route.value.startsWith("/invite")) return <AcceptInvite />;
  if (route.value.startsWith("/setup")) return <Setup />;
  if (!session.value) return <SignIn />;
  return <Shell key={session.value.me.sessionId} />;
}

function Shell() {
  useEffect(() => {
    void refreshUsers();
    void refreshConversations();
    void connect();
    return () => void disconnect();
  }, []);

  const path = route.value;
  const inConversation = path.startsWith("/c/");
  const home = path === "/" || path === "";
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
            <div class="empty-state"><h1>{t("app.welcomeTitle")}</h1><p>{t("app.welcomeText")}</p></div>}
        </main>
      </div>
    </div>
  );
}
