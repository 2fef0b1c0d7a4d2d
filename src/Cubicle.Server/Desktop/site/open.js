// Waits until the signed-in user's WorkSpace is AVAILABLE, then opens it (/desktop/view).
async function poll() {
  const r = await fetch("/desktop/state", { credentials: "same-origin" });
  if (r.status === 401) {
    location.href = "/desktop";
    return;
  }
  const state = await r.text();
  if (state === "AVAILABLE") {
    location.href = "/desktop/view";
    return;
  }
  document.getElementById("state").textContent =
    "Your WorkSpace is " + state + "; it opens as soon as it is AVAILABLE.";
  setTimeout(poll, 500);
}
poll();
