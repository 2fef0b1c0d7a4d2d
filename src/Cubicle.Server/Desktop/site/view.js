// The user's desktop, drawn by noVNC's RFB over this server's own bridge. The address is made from this page's own
// origin and nothing else (no query, no fragment): no link can point the page at another server, and the page's
// Content-Security-Policy (connect-src 'self') would refuse it anyway.
import RFB from "/novnc/core/rfb.js";

const status = document.getElementById("noVNC_status");
const bridge = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/desktop/ws";
const rfb = new RFB(document.getElementById("screen"), bridge, { wsProtocols: ["binary"] });
let name = "";
let connected = false;

const show = () => {
  status.textContent = connected ? "Connected to " + (name || "your WorkSpace") : status.textContent;
};
rfb.resizeSession = true;
rfb.focusOnClick = true;
rfb.addEventListener("desktopname", (e) => {
  name = e.detail.name;
  show();
});
rfb.addEventListener("connect", () => {
  connected = true;
  show();
  rfb.focus();
});
rfb.addEventListener("disconnect", (e) => {
  connected = false;
  status.textContent = e.detail.clean ? "Disconnected" : "Disconnected: the connection to your WorkSpace was lost";
});
rfb.addEventListener("securityfailure", () => {
  status.textContent = "Disconnected: your WorkSpace refused the connection";
});
