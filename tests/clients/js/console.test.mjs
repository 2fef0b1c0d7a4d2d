// The admin console at /console, driven in Chromium as an administrator would: sign in, create a WorkSpace through
// the form and watch its state change live, reboot, tag, find the audit event, terminate with a confirmation;
// a read-only key gets no action buttons and its forged calls are refused; calls without the page's anti-forgery
// token are refused. Screenshots of each page go to docs/console/*.png with CUBICLE_UPDATE_SCREENSHOTS=1
// (committed; the names are fixed).
// Needs chromium (Debian's, /usr/bin/chromium). Runs on SQLite, or PostgreSQL with CUBICLE_TEST_DATABASE=postgres.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import {
  CreateWorkspacesCommand, DescribeTagsCommand, DescribeWorkspacesCommand,
} from "@aws-sdk/client-workspaces";
import { startServer, waitForState, watchCsp } from "./harness.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const DLL = process.env.CUBICLE_SERVER_DLL ?? join(ROOT, "src/Cubicle.Server/bin/Release/net10.0/Cubicle.Server.dll");
// The committed screenshots are rewritten only when asked (CUBICLE_UPDATE_SCREENSHOTS=1), so that a test run leaves
// the work tree clean; otherwise they go to a folder of the run's own, and are taken all the same.
const SHOTS = process.env.CUBICLE_UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs", "console")
  : mkdtempSync(join(tmpdir(), "cubicle-console-shots-"));
const DIR = "d-926722edaf";
const CHROMIUM = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
// Generous: the machine is small and shared. Waits poll for the outcome; nothing asserts after a fixed sleep.
const WAIT = 45_000;
const TEST = { timeout: 180_000 };

let server, ws, browser, context, page, workspaceId;
const problems = []; // script errors and CSP violations seen in any page

const sleep = (ms) => new Promise(r => setTimeout(r, ms));

/** Polls check() until it returns something truthy; fails with the last value seen. */
async function eventually(check, what, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let last, error;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) { error = e; }
    if (Date.now() > deadline) {
      const why = error ? `; ${error.message}` : "";
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}${why}`);
    }
    await sleep(100);
  }
}

/** Dismisses the messages at the top (each by its own button, as a person would), then saves the screenshot. */
async function screenshot(p, name, opts = {}) {
  const dismiss = p.locator(".alerts .alert-dismiss");
  for (let i = 0; i < 20 && await dismiss.count(); i++) await dismiss.first().click().catch(() => {});
  await p.screenshot({ path: join(SHOTS, name), ...opts });
}
const row = (p, id) => p.locator(`tr[data-workspace-id="${id}"]`);
const stateOf = async (p, id) => (await row(p, id).locator(".state").textContent({ timeout: 1000 }))?.trim();
const wait = (id, state) => waitForState(ws, DescribeWorkspacesCommand, id, state, 60_000);
const describe = async (id) => (await ws.send(new DescribeWorkspacesCommand({ WorkspaceIds: [id] }))).Workspaces[0];

/** Records every state a row shows, until it shows `final`: the states are read from the page every 100 ms. */
async function watchStates(p, id, final) {
  const seen = [];
  await eventually(async () => {
    const s = await stateOf(p, id).catch(() => undefined);
    if (s && seen.at(-1) !== s) seen.push(s);
    return s === final;
  }, `${id} to show ${final} (seen ${seen.join(" → ")})`, 60_000);
  return seen;
}

/** Collects the page's script errors and CSP violations into `problems`. */
function watch(p) {
  p.on("pageerror", e => problems.push(`pageerror: ${e.message}`));
  p.on("console", m => {
    // A 4xx answer is logged by Chromium as "Failed to load resource": those are expected (the tests cause them).
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  return p;
}

async function newPage(viewport = { width: 1280, height: 800 }) {
  const ctx = await browser.newContext({ viewport });
  return { ctx, p: await watchCsp(watch(await ctx.newPage()), problems) };
}

async function signIn(p, id, secret) {
  await p.goto(server.url + "/console/");
  await p.fill("#access-key-id", id);
  await p.fill("#secret-access-key", secret);
  await p.click("#sign-in");
}

const signedIn = (p) => p.locator("h1#workspaces-title").waitFor({ timeout: WAIT });

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A few seconds a transition: long enough for the table (polled every 2 s) to show PENDING and REBOOTING.
  server = await startServer("--transition-seconds", "4");
  ws = server.client();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM });
  ({ ctx: context, p: page } = await newPage());
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("sign-in: a wrong secret shows UnrecognizedClientException; the right one opens the WorkSpaces page", TEST,
  async () => {
    const res = await fetch(server.url + "/console/");
    assert.match(res.headers.get("content-security-policy"), /script-src 'self'/);
    await page.goto(server.url + "/console/");
    await page.fill("#access-key-id", "test");
    assert.equal(await page.inputValue("#region"), "us-east-1");
    await screenshot(page, "sign-in.png");

    await page.fill("#secret-access-key", "not-the-secret");
    await page.click("#sign-in");
    const error = page.locator("#sign-in-error");
    await error.waitFor({ timeout: WAIT });
    assert.equal(await error.getAttribute("data-code"), "UnrecognizedClientException");
    assert.match(await error.textContent(), /UnrecognizedClientException.*not valid/);

    await page.fill("#secret-access-key", "test");
    await page.click("#sign-in");
    await signedIn(page);
    assert.match(await page.locator(".who-key").textContent(), /^test$/);
    assert.equal(await page.locator("nav a[aria-current=page]").textContent(), "WorkSpaces");
  });

test("create a WorkSpace through the form and watch it go PENDING → AVAILABLE without a reload", TEST, async () => {
  // A mark in the page's window: still there at the end means the page was never reloaded.
  await page.evaluate(() => { window.notReloaded = true; });
  await page.click("#create-workspace");
  const dialog = page.locator("dialog[data-dialog=create]");
  await dialog.waitFor({ timeout: WAIT });
  await eventually(async () => (await dialog.getByLabel("Directory").inputValue()) === DIR, "the directories");
  await dialog.getByLabel("User", { exact: true }).fill("bob");
  await dialog.getByLabel("Bundle").selectOption("wsb-al2std01");
  await dialog.getByLabel("Running mode").selectOption("AUTO_STOP");
  await dialog.getByLabel(/AutoStop timeout/).fill("120");
  await dialog.getByRole("button", { name: "Add tag" }).click();
  await dialog.getByLabel("Tag 1 key").fill("project");
  await dialog.getByLabel("Tag 1 value").fill("console");
  await screenshot(page, "create.png");
  await page.click("#create-submit");
  await dialog.waitFor({ state: "detached", timeout: WAIT });

  const bob = page.locator("tr[data-workspace-id]", { has: page.locator("td.user", { hasText: /^bob$/ }) });
  await bob.waitFor({ timeout: WAIT });
  workspaceId = await bob.getAttribute("data-workspace-id");
  const seen = await watchStates(page, workspaceId, "AVAILABLE");
  assert.equal(seen[0], "PENDING", `states shown: ${seen.join(" → ")}`);
  assert.equal(seen.at(-1), "AVAILABLE");
  assert.equal(await page.evaluate(() => window.notReloaded), true, "the page was not reloaded");

  const created = await describe(workspaceId);
  assert.equal(created.UserName, "bob");
  assert.equal(created.BundleId, "wsb-al2std01");
  assert.equal(created.WorkspaceProperties.RunningMode, "AUTO_STOP");
  assert.equal(created.WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes, 120);
  const tags = (await ws.send(new DescribeTagsCommand({ ResourceId: workspaceId }))).TagList;
  assert.deepEqual(tags, [{ Key: "project", Value: "console" }]);
});

test("reboot from the WorkSpace's dialog: REBOOTING, then AVAILABLE; the dialog keeps focus and closes on Escape",
  TEST, async () => {
    await row(page, workspaceId).getByRole("button", { name: workspaceId }).click();
    const dialog = page.locator("dialog[data-dialog=manage]");
    await dialog.waitFor({ timeout: WAIT });
    // Tab and Shift+Tab cycle inside the open dialog.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press(i % 7 === 6 ? "Shift+Tab" : "Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.closest("dialog[open]")?.dataset.dialog),
        "manage", `focus left the dialog after ${i + 1} presses`);
    }
    await dialog.locator("button[data-action=reboot]").click();
    const seen = await watchStates(page, workspaceId, "REBOOTING");
    await watchStates(page, workspaceId, "AVAILABLE");
    assert.ok(seen.includes("REBOOTING"));
    // The dialog follows the row live, too.
    await eventually(async () => (await dialog.locator(".state").textContent()) === "AVAILABLE", "the dialog's state");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached", timeout: WAIT });
    assert.equal((await describe(workspaceId)).State, "AVAILABLE");
  });

test("properties: the AutoStop timeout and user volume change from the dialog", TEST, async () => {
  await row(page, workspaceId).getByRole("button", { name: workspaceId }).click();
  const dialog = page.locator("dialog[data-dialog=manage]");
  const form = dialog.locator("form.properties");
  await form.waitFor({ timeout: WAIT });
  assert.equal(await form.getByLabel("AutoStop timeout (minutes)").inputValue(), "120");
  await form.getByLabel("AutoStop timeout (minutes)").fill("180");
  await form.getByLabel("User volume (GiB)").fill("100");
  await form.getByRole("button", { name: "Save properties" }).click();
  await eventually(async () => {
    const p = (await describe(workspaceId)).WorkspaceProperties;
    return p.RunningModeAutoStopTimeoutInMinutes === 180 && p.UserVolumeSizeGib === 100;
  }, "the new properties");
  // A new volume size is applied to the desktop (UPDATING, then AVAILABLE again); the table follows.
  await wait(workspaceId, "AVAILABLE");
  await eventually(async () => (await stateOf(page, workspaceId)) === "AVAILABLE" &&
    /AUTO_STOP \(180 min\)/.test(await row(page, workspaceId).textContent()), "the table's new properties");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: WAIT });
});

test("tags: add two in the dialog, remove one; DescribeTags agrees", TEST, async () => {
  await row(page, workspaceId).getByRole("button", { name: workspaceId }).click();
  const dialog = page.locator("dialog[data-dialog=manage]");
  await dialog.locator("tr[data-tag-key=project]").waitFor({ timeout: WAIT });
  for (const [key, value] of [["team", "blue"], ["cost-center", "42"]]) {
    await dialog.getByLabel("Tag key").fill(key);
    await dialog.getByLabel("Tag value").fill(value);
    await dialog.getByRole("button", { name: "Add tag" }).click();
    await dialog.locator(`tr[data-tag-key="${key}"]`).waitFor({ timeout: WAIT });
  }
  await dialog.getByRole("button", { name: "Remove tag cost-center" }).click();
  await dialog.locator('tr[data-tag-key="cost-center"]').waitFor({ state: "detached", timeout: WAIT });
  const tags = (await ws.send(new DescribeTagsCommand({ ResourceId: workspaceId }))).TagList;
  assert.deepEqual(tags.sort((a, b) => a.Key.localeCompare(b.Key)),
    [{ Key: "project", Value: "console" }, { Key: "team", Value: "blue" }]);
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached", timeout: WAIT });
});

test("the table filters and pages; batch failures are shown with each WorkspaceId and ErrorCode", TEST, async () => {
  const more = await ws.send(new CreateWorkspacesCommand({ Workspaces: ["alice", "carol", "dave", "erin", "mary"]
    .map(UserName => ({ DirectoryId: DIR, UserName, BundleId: "wsb-al2val01" })) }));
  assert.deepEqual(more.FailedRequests, []);
  const ids = more.PendingRequests.map(w => w.WorkspaceId);
  for (const id of ids) await row(page, id).waitFor({ timeout: WAIT });
  for (const id of ids) await wait(id, "AVAILABLE");
  for (const id of ids) await eventually(async () => (await stateOf(page, id)) === "AVAILABLE", `${id} AVAILABLE`);
  await screenshot(page, "workspaces.png");

  // Pages of 5: six WorkSpaces make two pages.
  await page.getByLabel("Page size").selectOption("5");
  await eventually(async () => (await page.locator("tr[data-workspace-id]").count()) === 5, "a page of 5");
  await page.getByRole("button", { name: "Next →" }).click();
  await eventually(async () => (await page.locator("tr[data-workspace-id]").count()) === 1, "a second page of 1");
  await page.getByRole("button", { name: "← Previous" }).click();
  await eventually(async () => (await page.locator("tr[data-workspace-id]").count()) === 5, "the first page again");
  await page.getByLabel("Page size").selectOption("25");

  // Directory and user go to the API; the state is filtered on the page.
  const filters = page.locator("form.filters");
  await filters.getByLabel("Directory").selectOption(DIR);
  await filters.getByLabel("User").fill("carol");
  await eventually(async () => {
    const users = await page.locator("tr[data-workspace-id] td.user").allTextContents();
    return users.length === 1 && users[0] === "carol";
  }, "only carol's WorkSpace");
  await filters.getByLabel("User").fill("");
  await filters.getByLabel("State").selectOption("STOPPED");
  await eventually(async () => (await page.locator("td.empty").count()) === 1, "no STOPPED WorkSpace");
  await filters.getByLabel("State").selectOption("");
  await filters.getByLabel("Directory").selectOption("");
  await eventually(async () => (await page.locator("tr[data-workspace-id]").count()) === 6, "all six again");

  // Start is refused for WorkSpaces that are not STOPPED: each refusal is listed.
  const two = [ids[0], ids[1]];
  for (const id of two) await row(page, id).getByRole("checkbox").check();
  assert.match(await page.locator(".bulk-count").textContent(), /^2 selected/);
  await page.locator(".bulk button[data-action=start]").click();
  const failures = page.locator(".alerts table.failures");
  await failures.waitFor({ timeout: WAIT });
  const text = await failures.textContent();
  for (const id of two) assert.ok(text.includes(id), `the failure of ${id} is shown: ${text}`);
  assert.match(text, /UnsupportedWorkspaceConfiguration|InvalidResourceState/);
  // The selection outlives the polls that keep the table live.
  await sleep(2500);
  for (const id of two) assert.equal(await row(page, id).getByRole("checkbox").isChecked(), true);
  const failureAlert = page.locator(".alerts .alert", { has: page.locator("table.failures") });
  await failureAlert.getByRole("button", { name: "Dismiss message" }).click();
  await failures.waitFor({ state: "detached", timeout: WAIT });
  for (const id of two) await row(page, id).getByRole("checkbox").uncheck();

  // At phone size (a new tab of the same session) the navigation stays on screen, the filters start folded and
  // the table scrolls inside its own box.
  const phone = await watchCsp(watch(await context.newPage()), problems);
  try {
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(server.url + "/console/#/workspaces");
    await row(phone, ids[0]).waitFor({ timeout: WAIT });
    const rights = await phone.locator("nav a").evaluateAll(as => as.map(a => a.getBoundingClientRect().right));
    assert.ok(rights.length === 6 && rights.every(r => r <= 390), `nav links end at ${rights}`);
    assert.equal(await phone.locator("details.filter-panel").getAttribute("open"), null, "filters folded");
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 390), "no sideways page scroll");
    await screenshot(phone, "workspaces-phone.png");
  } finally {
    await phone.close();
  }
});

test("audit: the CreateWorkspaces event is found with EventName and its JSON opens", TEST, async () => {
  await page.click("nav a[href='#/audit']");
  const filters = page.locator("form.audit-filters");
  await filters.getByLabel("Attribute").selectOption("EventName");
  await filters.getByLabel("Value").fill("CreateWorkspaces");
  await filters.getByRole("button", { name: "Search" }).click();
  // The form's own event (bob's) names the new WorkSpace among its resources.
  // Until the answer arrives the default listing (all changes) is on screen: wait for the filtered one.
  await eventually(async () => {
    const names = await page.locator("tr[data-event-name]").evaluateAll(rs => rs.map(r => r.dataset.eventName));
    return names.length >= 2 && names.every(n => n === "CreateWorkspaces");
  }, "only CreateWorkspaces events");
  const event = page.locator("tr[data-event-name=CreateWorkspaces]", { hasText: workspaceId });
  await event.locator("button.view-json").click();
  const json = page.locator("dialog[data-dialog=event] pre.event-json");
  await json.waitFor({ timeout: WAIT });
  const record = JSON.parse(await json.textContent());
  assert.equal(record.eventName, "CreateWorkspaces");
  assert.equal(record.userIdentity.accessKeyId, "test");
  assert.equal(record.responseElements.pendingRequests[0].workspaceId, workspaceId);
  await screenshot(page, "audit.png");
  await page.keyboard.press("Escape");
  await json.waitFor({ state: "detached", timeout: WAIT });
});

test("directories show both views; users appear once data access is enabled; bundles list Amazon's", TEST,
  async () => {
    await page.click("nav a[href='#/directories']");
    const directory = page.locator(`article[data-directory-id="${DIR}"]`);
    await directory.waitFor({ timeout: WAIT });
    assert.match(await directory.textContent(), /REGISTERED[\s\S]*Active/);
    const refused = directory.locator(".users .alert-error");
    await refused.waitFor({ timeout: WAIT });
    assert.equal(await refused.getAttribute("data-code"), "AccessDeniedException");
    await directory.getByRole("button", { name: "Enable data access" }).click();
    await directory.locator("tr[data-user=alice]").waitFor({ timeout: WAIT });
    const users = await directory.locator("tr[data-user]").evaluateAll(rs => rs.map(r => r.dataset.user));
    for (const u of ["alice", "bob", "carol", "dave", "erin", "mary"]) assert.ok(users.includes(u), users.join());
    await screenshot(page, "directories.png", { fullPage: true });

    await page.click("nav a[href='#/bundles']");
    const value = page.locator('tr[data-bundle-id="wsb-al2val01"]');
    await value.waitFor({ timeout: WAIT });
    assert.match(await value.textContent(), /VALUE.*80 GiB.*10 GiB/);
    await screenshot(page, "bundles.png");
    await page.click("nav a[href='#/workspaces']");
    await signedIn(page);
  });

test("terminate asks first: Cancel leaves the WorkSpace, Terminate ends it", TEST, async () => {
  await row(page, workspaceId).getByRole("checkbox").check();
  await page.locator(".bulk button[data-action=terminate]").click();
  const confirm = page.locator("dialog[data-dialog=confirm]");
  await confirm.waitFor({ timeout: WAIT });
  assert.match(await confirm.textContent(), new RegExp(workspaceId));
  // Cancel has the focus: Enter on an unexpected dialog does not terminate anything.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Cancel");
  await page.keyboard.press("Enter");
  await confirm.waitFor({ state: "detached", timeout: WAIT });
  assert.equal((await describe(workspaceId)).State, "AVAILABLE");

  await page.locator(".bulk button[data-action=terminate]").click();
  await confirm.waitFor({ timeout: WAIT });
  await confirm.getByRole("button", { name: "Terminate" }).click();
  await confirm.waitFor({ state: "detached", timeout: WAIT });
  const seen = await watchStates(page, workspaceId, "TERMINATED");
  assert.ok(seen.includes("TERMINATING") || seen.includes("TERMINATED"), seen.join(" → "));
  assert.equal((await describe(workspaceId)).State, "TERMINATED");
});

test("a read-only key gets no action buttons and no create form; its forged Reboot is refused", TEST, async () => {
  const policy = join(server.data, "read-only-policy.json");
  writeFileSync(policy, JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow",
    Action: ["workspaces:Describe*", "ds:Describe*", "cloudtrail:LookupEvents"], Resource: "*" }] }));
  const key = JSON.parse(execFileSync("dotnet", [DLL, "keys", "create", "--data", server.data,
    "--account", "000000000000", "--policy", policy], { env: server.env }).toString());
  const target = (await ws.send(new DescribeWorkspacesCommand({}))).Workspaces
    .find(w => w.State === "AVAILABLE").WorkspaceId;

  const { ctx, p } = await newPage();
  try {
    await signIn(p, key.AccessKeyId, key.SecretAccessKey);
    await signedIn(p);
    await row(p, target).waitFor({ timeout: WAIT });
    assert.equal(await p.locator("#create-workspace").count(), 0, "no create button");
    assert.equal(await p.locator(".bulk, button[data-action], th.check").count(), 0, "no action buttons");
    await row(p, target).getByRole("button", { name: target }).click();
    const dialog = p.locator("dialog[data-dialog=manage]");
    await dialog.waitFor({ timeout: WAIT });
    assert.equal(await dialog.locator("button[data-action], form.properties, form.tag-add").count(), 0);
    await p.keyboard.press("Escape");

    // The page's own token, the page's own session: the API still refuses what the policy does not allow.
    const forged = await p.evaluate(async (id) => {
      const { session } = await import("/console/js/api.js");
      const s = session();
      const r = await fetch("/console/api/call", { method: "POST", body: JSON.stringify(
        { RebootWorkspaceRequests: [{ WorkspaceId: id }] }), headers: { "X-Amz-Target":
        "WorkspacesService.RebootWorkspaces", [s.csrfHeader]: s.csrfToken, "content-type": "application/json" } });
      return { status: r.status, body: await r.json(), allowed: s.allowed["workspaces:RebootWorkspaces"] };
    }, target);
    assert.equal(forged.allowed, false);
    // Refused as the API refuses it: the whole call, or (as here) its one request in FailedRequests.
    const refusal = forged.body.__type ?? forged.body.FailedRequests?.[0]?.ErrorCode;
    assert.equal(refusal, "AccessDeniedException", JSON.stringify(forged));
    assert.match(JSON.stringify(forged.body), /not authorized to perform: workspaces:RebootWorkspaces/);
    assert.equal((await describe(target)).State, "AVAILABLE");

    // Once the key is deleted, its session ends: the next poll answers NotSignedInException and the page goes
    // back to the sign-in form.
    execFileSync("dotnet", [DLL, "keys", "delete", "--data", server.data, "--access-key-id", key.AccessKeyId],
      { env: server.env });
    await p.locator("#sign-in-form").waitFor({ timeout: WAIT });
  } finally {
    await ctx.close();
  }
});

test("calls without the page's anti-forgery token, or from another site, are refused with 403", TEST, async () => {
  const target = (await ws.send(new DescribeWorkspacesCommand({}))).Workspaces
    .find(w => w.State === "AVAILABLE").WorkspaceId;
  const cookie = (await context.cookies(server.url + "/console/api/call")).map(c => `${c.name}=${c.value}`).join("; ");
  assert.match(cookie, /cubicle_console=/);
  const reboot = (headers) => fetch(server.url + "/console/api/call", { method: "POST", headers: { cookie,
    "X-Amz-Target": "WorkspacesService.RebootWorkspaces", ...headers },
    body: JSON.stringify({ RebootWorkspaceRequests: [{ WorkspaceId: target }] }) });

  // The session cookie alone, as a forged form or script on another site would send it.
  const noToken = await reboot({});
  assert.equal(noToken.status, 403);
  assert.equal((await noToken.json()).__type, "InvalidCsrfTokenException");
  const token = await page.evaluate(async () => (await import("/console/js/api.js")).session().csrfToken);
  const elsewhere = await reboot({ "X-Cubicle-CSRF": token, origin: "https://evil.example" });
  assert.equal(elsewhere.status, 403);
  assert.equal((await elsewhere.json()).__type, "AccessDeniedException");
  // From the page itself but without the header: refused the same way.
  const status = await page.evaluate(async (id) => (await fetch("/console/api/call", { method: "POST",
    headers: { "X-Amz-Target": "WorkspacesService.RebootWorkspaces" },
    body: JSON.stringify({ RebootWorkspaceRequests: [{ WorkspaceId: id }] }) })).status, target);
  assert.equal(status, 403);
  assert.equal((await describe(target)).State, "AVAILABLE");
});

test("sign-out returns to the form; repeated failures show TooManyRequestsException with Retry-After", TEST,
  async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#sign-in-form").waitFor({ timeout: WAIT });
    const after = await page.evaluate(async () => (await fetch("/console/api/session")).json());
    assert.equal(after.signedIn, false);

    // Another key id than the tests use: only its sign-ins are slowed down.
    const error = page.locator("#sign-in-error");
    let code;
    for (let i = 0; i < 8 && code !== "TooManyRequestsException"; i++) {
      await page.fill("#access-key-id", "AKIANOSUCHKEY0000000");
      await page.fill("#secret-access-key", `guess-${i}`);
      await page.click("#sign-in");
      code = await eventually(async () => (await page.locator("#sign-in").isEnabled()) &&
        (await error.getAttribute("data-code")), "an answer");
    }
    assert.equal(code, "TooManyRequestsException");
    assert.match(await error.textContent(), /Retry after \d+ s/);
  });

test("no script errors or Content-Security-Policy violations in any page", () => {
  assert.deepEqual(problems, []);
});
