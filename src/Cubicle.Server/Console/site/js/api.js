// The console's only way to the server: its session (sign-in, sign-out, the anti-forgery token) and API calls,
// which the server runs as the signed-in access key, with that key's policy, throttling and audit.

/** An error as the API gives it: its code (`__type`), message and HTTP status, plus Retry-After when sent. */
export class ApiError extends Error {
  constructor(code, message, status, { retryAfter = null, body = null } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

// The services' X-Amz-Target prefixes, by the signing names that IAM actions (and the session's `allowed`) use.
const PREFIXES = {
  workspaces: "WorkspacesService",
  ds: "DirectoryService_20150416",
  "ds-data": "DirectoryServiceData",
  cloudtrail: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
  cubicle: "CubicleAdmin",
};

let current = { signedIn: false };
const listeners = new Set();

/** The latest session JSON: signedIn, csrfHeader, csrfToken, accessKeyId, accountId, region, allowed. */
export const session = () => current;

/** Calls fn with each new session; returns the function that stops that. */
export function onSession(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setSession(next) {
  current = next;
  for (const fn of listeners) fn(next);
}

/** Whether the key's policy may allow an action such as "workspaces:RebootWorkspaces" (root keys: all). */
export const can = (action) => current.signedIn && current.allowed?.[action] === true;

async function send(path, { body, headers = {} } = {}) {
  const init = { credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    init.method = "POST";
    init.body = JSON.stringify(body);
    // Every change carries the token of the latest session answer; the server refuses it otherwise.
    init.headers = { "content-type": "application/json",
      [current.csrfHeader ?? "X-Cubicle-CSRF"]: current.csrfToken ?? "", ...headers };
  }
  let res;
  try {
    res = await fetch("api/" + path, init);
  } catch (e) {
    throw new ApiError("NetworkError", `The server could not be reached (${e.message}).`, 0);
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : {}; } catch { /* not JSON: reported below */ }
  if (res.ok && json) return json;
  // AWS error codes may come qualified ("aws.protocol#Code"): the code is the part after '#'.
  const code = String(json?.__type ?? `HTTP ${res.status}`).split("#").pop();
  const message = json?.message ?? json?.Message ?? (text.slice(0, 300) || res.statusText);
  throw new ApiError(code, message, res.status, { retryAfter: res.headers.get("retry-after"), body: json });
}

/** Reads the session (and a fresh anti-forgery token) from the server. */
export async function refreshSession() {
  const s = await send("session");
  setSession(s);
  return s;
}

export async function signIn(accessKeyId, secretAccessKey, region) {
  if (!current.csrfToken) await refreshSession();
  const body = { accessKeyId, secretAccessKey, region };
  try {
    setSession(await send("sign-in", { body }));
  } catch (e) {
    if (e.code !== "InvalidCsrfTokenException") throw e;
    // The form sat open while the token went stale: take a fresh one and try once more.
    await refreshSession();
    setSession(await send("sign-in", { body }));
  }
}

export async function signOut() {
  try {
    setSession(await send("sign-out", { body: {} }));
  } catch {
    // Signed out or not, the page goes back to the sign-in form with a fresh token.
    await refreshSession().catch(() => setSession({ signedIn: false }));
  }
}

/**
 * Runs an API operation named like an IAM action ("workspaces:DescribeWorkspaces") with its JSON input, and
 * returns its JSON output; an error answer throws an ApiError with the API's code and message.
 */
export async function call(action, input = {}) {
  const [service, operation] = action.split(":");
  const headers = { "X-Amz-Target": `${PREFIXES[service]}.${operation}` };
  try {
    return await send("call", { body: input, headers });
  } catch (e) {
    if (e.code === "NotSignedInException") {
      // The session ended (expired, signed out elsewhere, key deleted): back to the sign-in form.
      await refreshSession().catch(() => setSession({ signedIn: false }));
    } else if (e.code === "InvalidCsrfTokenException") {
      // A stale token (the server's keys rotated, or another tab signed in again): take a fresh one and retry once.
      const s = await refreshSession();
      if (s.signedIn) return await send("call", { body: input, headers });
    }
    throw e;
  }
}
