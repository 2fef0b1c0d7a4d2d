// Signing in to a desktop, as an attacker and as users of every kind of directory: guessing is slowed down with 429s,
// an unknown user costs what a known one does, the form needs its anti-forgery token, sessions end on sign-out,
// password change and Stop, and an open desktop closes when its session ends. Users of a Simple AD made through
// Directory Service (and Directory Service Data), and of an AD Connector to a real LDAP directory (slapd), sign in in
// Chromium; a disabled user, or an unreachable directory, is refused with a clear message.
// Needs root and the desktop packages, slapd and chromium (tests/run-all.sh installs them).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import {
  CreateWorkspacesCommand, DescribeWorkspacesCommand, DescribeWorkspaceDirectoriesCommand, StopWorkspacesCommand,
  TerminateWorkspacesCommand, RegisterWorkspaceDirectoryCommand,
} from "@aws-sdk/client-workspaces";
import {
  DirectoryServiceClient, CreateDirectoryCommand, ConnectDirectoryCommand, DescribeDirectoriesCommand,
  ResetUserPasswordCommand, EnableDirectoryDataAccessCommand, DescribeDirectoryDataAccessCommand,
} from "@aws-sdk/client-directory-service";
import { startServer, waitForState, watchCsp } from "./harness.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const DIR = "d-926722edaf";
const DLL = process.env.CUBICLE_SERVER_DLL ?? join(ROOT, "src/Cubicle.Server/bin/Release/net10.0/Cubicle.Server.dll");
const CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
const VPC = { VpcId: "vpc-0a1b2c3d", SubnetIds: ["subnet-1a2b3c4d", "subnet-5e6f7a8b"] };
let server, ws, ds, browser, demoCode, ldap;
const violations = []; // Content-Security-Policy violations met by any page (watchCsp)

const sleep = (ms) => new Promise(r => setTimeout(r, ms));
const wait = (id, state, ms = 60_000) => waitForState(ws, DescribeWorkspacesCommand, id, state, ms);
const setPassword = (user, password) => execFileSync("dotnet", [DLL, "users", "set-password", "--data", server.data,
  "--directory-id", DIR, "--user-name", user], { input: password + "\n", env: server.env });
const slapd = (...args) => execFileSync("bash", [join(ROOT, "tests/ldap/slapd.sh"), ...args]).toString();
const codeOf = async (id) => (await ws.send(new DescribeWorkspaceDirectoriesCommand({ DirectoryIds: [id] }))).Directories[0].RegistrationCode;

async function until(fetch, ok, ms = 30_000, what = "condition") {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fetch();
    if (ok(last)) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

async function create(directory, user, RunningMode = "ALWAYS_ON") {
  const r = await ws.send(new CreateWorkspacesCommand({ Workspaces: [{ DirectoryId: directory, UserName: user, BundleId: "wsb-al2val01",
    WorkspaceProperties: { RunningMode } }] }));
  assert.deepEqual(r.FailedRequests, []);
  return r.PendingRequests[0].WorkspaceId;
}

/** The sign-in form as a script posts it: a GET for the anti-forgery token and cookie, then the POST. */
async function postSignIn(code, user, password, { token = true, origin } = {}) {
  const page = await fetch(server.url + "/desktop");
  const cookie = page.headers.getSetCookie().map(c => c.split(";")[0]).join("; ");
  const field = (await page.text()).match(/name="__RequestVerificationToken" value="([^"]*)"/)[1];
  const form = new URLSearchParams({ registration_code: code, user_name: user, password });
  if (token) form.set("__RequestVerificationToken", field);
  const started = performance.now();
  const r = await fetch(server.url + "/desktop/login", { method: "POST", body: form, redirect: "manual",
    headers: { cookie, ...(origin ? { origin } : {}) } });
  return { status: r.status, retryAfter: r.headers.get("retry-after"), ms: performance.now() - started,
    session: r.headers.getSetCookie().find(c => c.startsWith("cubicle_desktop="))?.split(";")[0], body: await r.text() };
}

async function signIn(code, user, password) {
  const page = await watchCsp(await browser.newPage({ viewport: { width: 1280, height: 800 } }), violations);
  await page.goto(server.url + "/desktop");
  await page.fill("#registration_code", code);
  await page.fill("#user_name", user);
  await page.fill("#password", password);
  await page.click("#sign_in");
  return page;
}

const connected = (page, ms = 30_000) =>
  page.waitForFunction(() => document.querySelector("#noVNC_status")?.textContent?.includes("Connected"), null, { timeout: ms });

before(async () => {
  ldap = Object.fromEntries(slapd("start", "corp.example.com").replaceAll("export ", "").replaceAll("'", "").trim()
    .split(/\s+/).map(p => p.split("=")));
  // slapd listens on loopback: only --ldap-allow-loopback lets ConnectDirectory name it.
  server = await startServer("--desktops", "local", "--transition-seconds", "0", "--ldap-port", ldap.LDAP_PORT,
    "--ldap-bind-format", "cn={user},{base}", "--ldap-health-seconds", "1", "--ldap-timeout-seconds", "2",
    "--ldap-allow-loopback", "true");
  ws = server.client();
  ds = new DirectoryServiceClient({ endpoint: server.url, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: server.key.id, secretAccessKey: server.key.secret } });
  demoCode = await codeOf(DIR);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM });
});

after(async () => {
  await browser?.close();
  const left = (await ws.send(new DescribeWorkspacesCommand({}))).Workspaces.filter(w => w.State !== "TERMINATED").map(w => w.WorkspaceId);
  if (left.length) await ws.send(new TerminateWorkspacesCommand({ TerminateWorkspaceRequests: left.map(WorkspaceId => ({ WorkspaceId })) }));
  for (const id of left) await wait(id, "TERMINATED").catch(() => {});
  server?.stop();
  if (ldap) slapd("stop", ldap.LDAP_DIR);
});

test("guessing is slowed down: past a few failures, even the right password waits (429, Retry-After)", async () => {
  const id = await create(DIR, "dave");
  setPassword("dave", "dave-password");
  // Five failures are free; the sixth still gets its answer, and from then on the user must wait.
  for (let i = 0; i < 6; i++) assert.equal((await postSignIn(demoCode, "dave", `guess-${i}`)).status, 401);
  const locked = await postSignIn(demoCode, "dave", "another-guess");
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.retryAfter) >= 1, `Retry-After: ${locked.retryAfter}`);
  const right = await postSignIn(demoCode, "dave", "dave-password");
  assert.equal(right.status, 429, "the right password is not even checked while the user must wait");
  assert.equal(right.session, undefined);
  await sleep(Number(locked.retryAfter) * 1000 + 200);
  const later = await postSignIn(demoCode, "dave", "dave-password");
  assert.equal(later.status, 302, later.body);
  assert.ok(later.session);
  await ws.send(new TerminateWorkspacesCommand({ TerminateWorkspaceRequests: [{ WorkspaceId: id }] }));
});

test("an unknown user costs what a known one does, and the form is refused without its token or from elsewhere", async () => {
  setPassword("erin", "erin-password");
  const known = [], unknown = [];
  for (let i = 0; i < 4; i++) {
    known.push((await postSignIn(demoCode, "erin", `wrong-${i}`)).ms);
    unknown.push((await postSignIn(demoCode, `nobody-${i}`, `wrong-${i}`)).ms);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const ratio = median(known) / median(unknown);
  // Skipping the hash would make an unknown user some 80 times cheaper; a loaded machine moves the medians by 2x.
  assert.ok(ratio > 1 / 3 && ratio < 3, `known ${median(known).toFixed(1)} ms vs unknown ${median(unknown).toFixed(1)} ms`);
  assert.equal((await postSignIn(demoCode, "erin", "erin-password", { token: false })).status, 400);
  assert.equal((await postSignIn(demoCode, "erin", "erin-password", { origin: "http://evil.example" })).status, 403);
  const json = await fetch(server.url + "/desktop/login", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ registration_code: demoCode, user_name: "erin", password: "erin-password" }) });
  assert.equal(json.status, 415);
});

test("a session ends on sign-out, on a password change and on Stop, and its open desktop closes", async () => {
  const id = await create(DIR, "mary", "AUTO_STOP");
  setPassword("mary", "mary-password");
  await wait(id, "AVAILABLE");

  // A password change ends the open desktop within seconds.
  let page = await signIn(demoCode, "mary", "mary-password");
  await connected(page);
  setPassword("mary", "mary-new-password");
  await page.waitForFunction(() => !document.querySelector("#noVNC_status")?.textContent?.includes("Connected"), null, { timeout: 15_000 });
  const state = await page.evaluate(() => fetch("/desktop/state").then(r => r.status));
  assert.equal(state, 401);
  await page.close();

  // Sign-out: the cookie no longer opens anything.
  page = await signIn(demoCode, "mary", "mary-new-password");
  await connected(page);
  // The sign-out form of the page that opens the desktop, posted with the browser's cookies.
  const html = await (await page.request.get(server.url + "/desktop/open", { maxRedirects: 0 })).text();
  const token = html.match(/name="__RequestVerificationToken" value="([^"]*)"/)[1];
  const out = await page.request.post(server.url + "/desktop/logout",
    { form: { __RequestVerificationToken: token }, headers: { origin: server.url }, maxRedirects: 0 });
  assert.equal(out.status(), 302);
  await page.waitForFunction(() => !document.querySelector("#noVNC_status")?.textContent?.includes("Connected"), null, { timeout: 15_000 });
  assert.equal(await page.evaluate(() => fetch("/desktop/state").then(r => r.status)), 401);
  await page.close();

  // Stop: the session ends with the desktop.
  const signedIn = await postSignIn(demoCode, "mary", "mary-new-password");
  assert.equal(signedIn.status, 302);
  await ws.send(new StopWorkspacesCommand({ StopWorkspaceRequests: [{ WorkspaceId: id }] }));
  await wait(id, "STOPPED");
  const after = await fetch(server.url + "/desktop/state", { headers: { cookie: signedIn.session } });
  assert.equal(after.status, 401);
});

test("a Simple AD made with Directory Service: its users sign in with the password ResetUserPassword set; disabled, they cannot", async () => {
  const { DirectoryId } = await ds.send(new CreateDirectoryCommand({ Name: "corp.test.example", Password: "Admin-Passw0rd",
    Size: "Small", VpcSettings: VPC }));
  await until(() => ds.send(new DescribeDirectoriesCommand({ DirectoryIds: [DirectoryId] })),
    r => r.DirectoryDescriptions[0].Stage === "Active", 30_000, "Active");
  await ws.send(new RegisterWorkspaceDirectoryCommand({ DirectoryId }));
  await until(() => ws.send(new DescribeWorkspaceDirectoriesCommand({ DirectoryIds: [DirectoryId] })),
    r => r.Directories[0].State === "REGISTERED", 30_000, "REGISTERED");
  await ds.send(new EnableDirectoryDataAccessCommand({ DirectoryId }));
  await until(() => ds.send(new DescribeDirectoryDataAccessCommand({ DirectoryId })), r => r.DataAccessStatus === "Enabled");
  // Users through Directory Service Data, with the AWS CLI v1 (the JS SDK's ds-data client is not served here).
  const cli = (...args) => spawnSync("aws", ["ds-data", ...args, "--directory-id", DirectoryId, "--endpoint-url", server.url,
    "--output", "json"], { env: server.awsEnv });
  const made = cli("create-user", "--sam-account-name", "frank", "--given-name", "Frank");
  assert.equal(made.status, 0, made.stderr.toString());
  await ds.send(new ResetUserPasswordCommand({ DirectoryId, UserName: "frank", NewPassword: "Fr4nk-Password" }));
  const id = await create(DirectoryId, "frank");
  await wait(id, "AVAILABLE");
  const code = await codeOf(DirectoryId);
  let page = await signIn(code, "frank", "Fr4nk-Password");
  await connected(page);
  await page.close();
  const disabled = cli("disable-user", "--sam-account-name", "frank");
  assert.equal(disabled.status, 0, disabled.stderr.toString());
  page = await signIn(code, "frank", "Fr4nk-Password");
  assert.match(await page.textContent("#error"), /Sign-in failed/);
  await page.close();
});

test("an AD Connector: an LDAP user signs in with their LDAP password; with the LDAP servers down, sign-in says so", async () => {
  const { DirectoryId } = await ds.send(new ConnectDirectoryCommand({ Name: "corp.example.com", Password: "svc-password",
    Size: "Small", ConnectSettings: { ...VPC, CustomerDnsIps: ["127.0.0.1"], CustomerUserName: "svc" } }));
  await until(() => ds.send(new DescribeDirectoriesCommand({ DirectoryIds: [DirectoryId] })),
    r => r.DirectoryDescriptions[0].Stage === "Active", 30_000, "Active");
  await ws.send(new RegisterWorkspaceDirectoryCommand({ DirectoryId }));
  await until(() => ws.send(new DescribeWorkspaceDirectoriesCommand({ DirectoryIds: [DirectoryId] })),
    r => r.Directories[0].State === "REGISTERED", 30_000, "REGISTERED");
  const id = await create(DirectoryId, "alice");
  await wait(id, "AVAILABLE");
  const code = await codeOf(DirectoryId);
  let page = await signIn(code, "alice", "wrong-password");
  assert.match(await page.textContent("#error"), /Sign-in failed/);
  await page.close();
  page = await signIn(code, "alice", "alice-ldap-pw");
  await connected(page);
  await page.close();
  slapd("pause", ldap.LDAP_DIR);
  try {
    page = await signIn(code, "alice", "alice-ldap-pw");
    assert.match(await page.textContent("#error"), /directory cannot be reached/);
    await page.close();
    assert.equal((await ws.send(new DescribeWorkspacesCommand({ WorkspaceIds: [id] }))).Workspaces[0].State, "AVAILABLE");
  } finally {
    slapd("resume", ldap.LDAP_DIR);
  }
  page = await signIn(code, "alice", "alice-ldap-pw");
  await connected(page);
  await page.close();
});

test("no Content-Security-Policy violation in any page: the desktop opened under the strict policy", () => {
  assert.deepEqual(violations, []);
});
