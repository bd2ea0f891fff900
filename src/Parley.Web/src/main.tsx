import { render } from "preact";
import { App } from "./components/App";
import { navigate } from "./state";
import "./styles.css";

render(<App />, document.getElementById("app")!);

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  addEventListener("load", () => void navigator.serviceWorker.register("/sw.js").catch(() => {}));
  // A click on a push notification (public/sw.js) opens its conversation in the window it brought to the front.
  navigator.serviceWorker.addEventListener("message", event => {
    const data = event.data as { type?: string; url?: string } | null;
    if (data?.type === "open" && typeof data.url === "string" && data.url.startsWith("/")) navigate(data.url);
  });
}
