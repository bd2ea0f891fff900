import { render } from "preact";
import { App } from "./components/App";
import "./styles.css";

render(<App />, document.getElementById("app")!);

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  addEventListener("load", () => void navigator.serviceWorker.register("/sw.js").catch(() => {}));
}
