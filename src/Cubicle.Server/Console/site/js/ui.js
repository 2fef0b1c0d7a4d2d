// Pieces shared by the pages: the alert list, modal dialogs, failure tables, a poller and small formatters.
import { html, useState, useEffect, useRef, useId } from "./lib.js";

// ------------------------------------------------------------------------------------------------- alerts

let alerts = [];
let nextAlertId = 1;
const alertListeners = new Set();

function pushAlert(alert) {
  // A poll that keeps failing reports the same error every few seconds: show it once.
  const same = alerts.find(a => a.key === alert.key);
  if (same) return;
  alerts = [...alerts, { id: nextAlertId++, ...alert }];
  for (const fn of alertListeners) fn(alerts);
}

export function dismissAlert(id) {
  alerts = alerts.filter(a => a.id !== id);
  for (const fn of alertListeners) fn(alerts);
}

export function clearAlerts() {
  alerts = [];
  for (const fn of alertListeners) fn(alerts);
}

/** Shows an API error as the API gave it (code and message); `context` names what was being done. */
export function showError(error, context = "") {
  const code = error?.code ?? "Error";
  const message = error?.message ?? String(error);
  pushAlert({ kind: "error", key: `e|${context}|${code}|${message}`, context, code, message,
    retryAfter: error?.retryAfter ?? null });
}

/** Shows the FailedRequests of a batch call: each WorkspaceId with its ErrorCode and ErrorMessage. */
export function showFailures(context, failures) {
  if (!failures?.length) return;
  pushAlert({ kind: "error", key: `f|${nextAlertId}`, context, failures,
    code: `${failures.length} request${failures.length === 1 ? "" : "s"} failed` });
}

/** A success message; it goes by itself after a while (errors stay until dismissed). */
export function showNotice(message, ms = 8000) {
  const id = nextAlertId;
  pushAlert({ kind: "notice", key: `n|${id}`, message });
  setTimeout(() => dismissAlert(id), ms);
}

export function Alerts() {
  const [list, setList] = useState(alerts);
  useEffect(() => {
    alertListeners.add(setList);
    return () => alertListeners.delete(setList);
  }, []);
  if (!list.length) return null;
  return html`<section class="alerts" aria-label="Messages">
    ${list.map(a => html`<div key=${a.id} class=${`alert alert-${a.kind}`}
        role=${a.kind === "error" ? "alert" : "status"} data-code=${a.code ?? ""}>
      <div class="alert-text">
        ${a.context && html`<span class="alert-context">${a.context}: </span>`}
        ${a.code && html`<strong class="alert-code">${a.code}</strong>`}
        ${a.message && html` <span class="alert-message">${a.message}</span>`}
        ${a.retryAfter && html` <span class="alert-retry">(Retry-After: ${a.retryAfter} s)</span>`}
        ${a.failures && html`<${FailureTable} failures=${a.failures} />`}
      </div>
      <button type="button" class="alert-dismiss" aria-label="Dismiss message"
        onClick=${() => dismissAlert(a.id)}>×</button>
    </div>`)}
  </section>`;
}

export function FailureTable({ failures }) {
  return html`<div class="table-scroll"><table class="failures">
    <thead><tr><th scope="col">WorkspaceId</th><th scope="col">ErrorCode</th><th scope="col">ErrorMessage</th></tr>
    </thead>
    <tbody>${failures.map((f, i) => html`<tr key=${i}>
      <td><code>${f.WorkspaceId ?? f.WorkspaceRequest?.UserName ?? "—"}</code></td>
      <td>${f.ErrorCode}</td><td>${f.ErrorMessage}</td></tr>`)}</tbody>
  </table></div>`;
}

/** An error shown where it happened (a panel that could not load), with the API's code and message. */
export function InlineError({ error, children }) {
  if (!error) return null;
  return html`<div class="alert alert-error inline-error" role="alert" data-code=${error.code}>
    <div class="alert-text"><strong class="alert-code">${error.code}</strong>
      <span class="alert-message"> ${error.message}</span>${children}</div>
  </div>`;
}

// ------------------------------------------------------------------------------------------------- dialogs

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), " +
  "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

/**
 * A modal <dialog>, open while it is rendered. The browser makes the page behind it inert and closes it on
 * Escape; Tab and Shift+Tab are kept inside it here (the browser would otherwise move on to its own toolbar).
 */
export function Modal({ title, onClose, children, footer, wide = false, label = "dialog", focus = "first" }) {
  const ref = useRef(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    dialog.showModal();
    // The first field (or else the first footer button) gets the focus; a dialog whose first button acts at
    // once (a WorkSpace's Reboot) starts on its Close button instead, so that a stray Enter does nothing.
    const first = focus === "close" ? dialog.querySelector("header button")
      : dialog.querySelector(".dialog-body " + FOCUSABLE.split(", ").join(", .dialog-body "))
        ?? dialog.querySelector("footer button");
    first?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  const onKeyDown = (e) => {
    if (e.key !== "Tab") return;
    // A dialog opened from another handles its own Tab: the outer one must not see the event.
    e.stopPropagation();
    const items = [...ref.current.querySelectorAll(FOCUSABLE)].filter(el => el.getClientRects().length > 0);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (e.shiftKey && (document.activeElement === first || !ref.current.contains(document.activeElement))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  // Escape makes the browser close the dialog: the "close" event tells the owner to stop rendering it.
  return html`<dialog ref=${ref} class=${wide ? "wide" : ""} aria-labelledby=${titleId} data-dialog=${label}
      onClose=${onClose} onKeyDown=${onKeyDown}>
    <article>
      <header>
        <button type="button" rel="prev" aria-label="Close" onClick=${onClose}></button>
        <h2 id=${titleId} class="dialog-title">${title}</h2>
      </header>
      <div class="dialog-body">${children}</div>
      ${footer && html`<footer>${footer}</footer>`}
    </article>
  </dialog>`;
}

/** Asks before an action that cannot be undone; the safe choice (Cancel) is the default focus. */
export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onCancel }) {
  return html`<${Modal} title=${title} onClose=${onCancel} label="confirm" footer=${html`
      <button type="button" class="secondary" autofocus onClick=${onCancel}>Cancel</button>
      <button type="button" class="danger" onClick=${onConfirm}>${confirmLabel}</button>`}>
    ${message}
  </${Modal}>`;
}

// ------------------------------------------------------------------------------------------------- polling

/**
 * Runs load() now and then every `ms` while the page is visible (and at once when it becomes visible again),
 * never two at a time. load(alive) must check alive() before using its answer: the query may have changed.
 * Returns a function that runs it again now.
 */
export function usePoll(load, deps, ms = 2000) {
  const control = useRef({ refresh: () => {} });
  useEffect(() => {
    let alive = true, timer = null, running = false, again = false;
    const run = async () => {
      if (running) { again = true; return; }
      clearTimeout(timer);
      running = true;
      try {
        if (document.visibilityState !== "hidden") await load(() => alive);
      } finally {
        running = false;
      }
      if (!alive) return;
      if (again) { again = false; run(); return; }
      if (ms) timer = setTimeout(run, ms);
    };
    const onVisibility = () => { if (document.visibilityState === "visible") run(); };
    document.addEventListener("visibilitychange", onVisibility);
    control.current.refresh = run;
    run();
    return () => {
      alive = false;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, deps);
  return () => control.current.refresh();
}

/** The value, once it has stopped changing for `ms` (typing in a filter does not query on every key). */
export function useDebounced(value, ms = 350) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value]);
  return settled;
}

// ------------------------------------------------------------------------------------------------- paging

/**
 * NextToken paging: the tokens of the pages seen so far, so that Previous goes back without the API having to.
 * `tokens[i]` is the token that fetches page i (undefined for the first).
 */
export function usePages(resetKey) {
  // The tokens belong to one query: a new query starts again at its first page, in the same render.
  const [state, setState] = useState({ key: resetKey, tokens: [undefined] });
  const tokens = state.key === resetKey ? state.tokens : [undefined];
  const update = (change) =>
    setState(s => ({ key: resetKey, tokens: change(s.key === resetKey ? s.tokens : [undefined]) }));
  return {
    index: tokens.length - 1,
    token: tokens[tokens.length - 1],
    next: (token) => update(t => [...t, token]),
    previous: () => update(t => (t.length > 1 ? t.slice(0, -1) : t)),
    first: () => update(() => [undefined]),
  };
}

export function Pager({ pages, nextToken, pageSize, onPageSize, sizes, label }) {
  const sizeId = useId();
  return html`<nav class="pager" aria-label=${label}>
    <button type="button" class="secondary outline" disabled=${pages.index === 0} onClick=${pages.previous}>
      ← Previous</button>
    <span class="pager-page">Page ${pages.index + 1}</span>
    <button type="button" class="secondary outline" disabled=${!nextToken} onClick=${() => pages.next(nextToken)}>
      Next →</button>
    ${onPageSize && html`<label for=${sizeId} class="pager-size">Page size
      <select id=${sizeId} value=${pageSize} onChange=${e => onPageSize(Number(e.currentTarget.value))}>
        ${sizes.map(s => html`<option key=${s} value=${s}>${s}</option>`)}
      </select></label>`}
  </nav>`;
}

// ------------------------------------------------------------------------------------------------- formatting

/** An API timestamp (seconds since the epoch) as "2026-01-31 12:34:56 UTC": one clear, sortable form. */
export function formatTime(seconds) {
  if (seconds === undefined || seconds === null) return "—";
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) return String(seconds);
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** A `datetime-local` input's value (read as UTC, like the times shown) in seconds since the epoch. */
export function parseLocalTime(value) {
  if (!value) return undefined;
  const ms = Date.parse(value + "Z");
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

const STATE_CLASSES = {
  AVAILABLE: "ok", PENDING: "busy", REBOOTING: "busy", STARTING: "busy", REBUILDING: "busy", RESTORING: "busy",
  STOPPING: "busy", TERMINATING: "busy", UPDATING: "busy", MAINTENANCE: "busy", ADMIN_MAINTENANCE: "busy",
  STOPPED: "idle", TERMINATED: "idle", SUSPENDED: "idle", IMPAIRED: "bad", UNHEALTHY: "bad", ERROR: "bad",
};

export function StateBadge({ state }) {
  return html`<span class=${`state badge badge-${STATE_CLASSES[state] ?? "idle"}`}>${state ?? "—"}</span>`;
}
