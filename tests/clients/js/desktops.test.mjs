// Real desktops (--desktops local): each workspace is a sandboxed Linux desktop its user opens in a browser.
// Needs root and Debian's tigervnc-standalone-server, icewm, xterm, novnc, bubblewrap and chromium (tests/run-all.sh installs them).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";
import { chromium } from "playwright-core";
import {
  CreateWorkspacesCommand, DescribeWorkspacesCommand, DescribeWorkspaceDirectoriesCommand, StopWorkspacesCommand,
  StartWorkspacesCommand, RebuildWorkspacesCommand, TerminateWorkspacesCommand, DescribeWorkspacesConnectionStatusCommand,
} from "@aws-sdk/client-workspaces";
import { startServer, waitForState, watchCsp } from "./harness.mjs";

const DIR = "d-926722edaf";
const DLL = process.env.CUBICLE_SERVER_DLL ?? "../../../src/Cubicle.Server/bin/Release/net10.0/Cubicle.Server.dll";
const CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
let server, ws, browser, code;
const violations = []; // Content-Security-Policy violations met by any page (watchCsp)

const wait = (id, state, ms = 60_000) => waitForState(ws, DescribeWorkspacesCommand, id, state, ms);
const account = (id) => "cub-" + id.slice(3, 31);
const home = (id) => join(server.data, "desktops", "homes", id);
const sleep = (ms) => new Promise(r => setTimeout(r, ms));
const setPassword = (user, password) =>
  execFileSync("dotnet", [DLL, "users", "set-password", "--data", server.data, "--directory-id", DIR, "--user-name", user],
    { input: password + "\n", env: server.env });
const processesOf = (id) => spawnSync("pgrep", ["-u", account(id)]).stdout.toString().trim();
const xvncOf = (id) => spawnSync("pgrep", ["-u", account(id), "-x", "Xvnc"]).stdout.toString().trim();

async function create(user, RunningMode = "AUTO_STOP") {
  const r = await ws.send(new CreateWorkspacesCommand({ Workspaces: [{ DirectoryId: DIR, UserName: user, BundleId: "wsb-al2val01",
    WorkspaceProperties: RunningMode === "AUTO_STOP" ? { RunningMode, RunningModeAutoStopTimeoutInMinutes: 60 } : { RunningMode } }] }));
  assert.deepEqual(r.FailedRequests, []);
  return r.PendingRequests[0].WorkspaceId;
}

async function signIn(user, password) {
  const page = await watchCsp(await browser.newPage({ viewport: { width: 1280, height: 800 } }), violations);
  await page.goto(server.url + "/desktop");
  await page.fill("#registration_code", code);
  await page.fill("#user_name", user);
  await page.fill("#password", password);
  await page.click("#sign_in");
  return page;
}

before(async () => {
  // One AutoStop minute lasts 0.2 s here: a 60-minute timeout is 12 s (shorter races the browser on a loaded host).
  server = await startServer("--desktops", "local", "--transition-seconds", "0", "--autostop-minute-seconds", "0.2");
  ws = server.client();
  code = (await ws.send(new DescribeWorkspaceDirectoriesCommand({}))).Directories[0].RegistrationCode;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM });
  setPassword("alice", "alice-password");
  setPassword("bob", "bob-password");
});

after(async () => {
  await browser?.close();
  // Desktops outlive the server by design (a restart adopts them): terminate them so none is left behind.
  const left = (await ws.send(new DescribeWorkspacesCommand({}))).Workspaces.filter(w => w.State !== "TERMINATED").map(w => w.WorkspaceId);
  if (left.length) await ws.send(new TerminateWorkspacesCommand({ TerminateWorkspaceRequests: left.map(WorkspaceId => ({ WorkspaceId })) }));
  for (const id of left) await wait(id, "TERMINATED").catch(() => {});
  server?.stop();
});

test("a workspace is a live, isolated desktop that its user opens in the browser", async () => {
  const id = await create("alice");
  await wait(id, "AVAILABLE");
  // A Linux account of its own, its processes running as it, and a VNC socket only that account (and the server) can
  // open, inside its sandbox (no host path leads to it).
  execFileSync("id", ["-u", account(id)]);
  assert.match(processesOf(id), /\d+/);
  const sock = `/proc/${xvncOf(id)}/root/run/vnc/vnc.sock`;
  assert.ok(existsSync(sock));
  assert.equal(spawnSync("stat", ["-c", "%a %U", sock]).stdout.toString().trim(), `600 ${account(id)}`);
  // VALUE: 1 vCPU and 2 GiB, through cgroups, with the session's processes in them.
  const mem = `/sys/fs/cgroup/memory/cubicle/${id}`;
  if (existsSync("/sys/fs/cgroup/memory")) {
    assert.equal(readFileSync(`${mem}/memory.limit_in_bytes`, "utf8").trim(), String(2 * 1024 ** 3));
    assert.equal(readFileSync(`/sys/fs/cgroup/cpu/cubicle/${id}/cpu.cfs_quota_us`, "utf8").trim(), "100000");
    assert.ok(readFileSync(`${mem}/cgroup.procs`, "utf8").trim().split("\n").length >= 3);
  }

  const page = await signIn("alice", "alice-password");
  await page.waitForFunction(() => document.querySelector("#noVNC_status")?.textContent?.includes("Connected"), null, { timeout: 20_000 });
  await sleep(1500);
  const png = await page.screenshot({ path: join(server.data, "desktop.png") });
  // Not blank: the drawn desktop has many distinct colours.
  const distinct = await page.evaluate(() => {
    const canvas = document.querySelector("canvas");
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  });
  assert.ok(png.length > 10_000 && distinct > 50, `the desktop looks blank (${distinct} colours)`);

  const cli = spawnSync("aws", ["workspaces", "describe-workspaces-connection-status", "--workspace-ids", id, "--endpoint-url", server.url, "--output", "json"],
    { env: server.awsEnv });
  assert.equal(cli.status, 0, cli.stderr.toString());
  const status = JSON.parse(cli.stdout.toString()).WorkspacesConnectionStatus[0];
  assert.equal(status.ConnectionState, "CONNECTED");
  assert.ok(status.LastKnownUserConnectionTimestamp);

  await page.close();
  let state;
  for (let i = 0; i < 50 && state !== "DISCONNECTED"; i++) {
    state = (await ws.send(new DescribeWorkspacesConnectionStatusCommand({ WorkspaceIds: [id] }))).WorkspacesConnectionStatus[0].ConnectionState;
    if (state !== "DISCONNECTED") await sleep(100);
  }
  assert.equal(state, "DISCONNECTED");
  await wait(id, "STOPPED", 30_000); // AutoStop acts on the real disconnect
  assert.equal(processesOf(id), "", "a STOPPED workspace has no processes");

  // Signing in again starts the stopped AutoStop workspace and opens it once it is AVAILABLE.
  const again = await signIn("alice", "alice-password");
  await again.waitForFunction(() => document.querySelector("#noVNC_status")?.textContent?.includes("Connected"), null, { timeout: 60_000 });
  assert.equal((await ws.send(new DescribeWorkspacesCommand({ WorkspaceIds: [id] }))).Workspaces[0].State, "AVAILABLE");
  await again.close();
});

test("the user volume survives Stop and Start, Rebuild brings back the last snapshot, Terminate leaves nothing", async () => {
  const id = await create("carol");
  await wait(id, "AVAILABLE");
  writeFileSync(join(home(id), "kept.txt"), "from before the snapshot");
  const snap = await server.admin("CreateSnapshot", { WorkspaceId: id });
  assert.equal(snap.status, 200);
  writeFileSync(join(home(id), "after-snapshot.txt"), "written after the snapshot");

  await ws.send(new StopWorkspacesCommand({ StopWorkspaceRequests: [{ WorkspaceId: id }] }));
  await wait(id, "STOPPED");
  await ws.send(new StartWorkspacesCommand({ StartWorkspaceRequests: [{ WorkspaceId: id }] }));
  await wait(id, "AVAILABLE");
  assert.equal(readFileSync(join(home(id), "after-snapshot.txt"), "utf8"), "written after the snapshot");

  await ws.send(new RebuildWorkspacesCommand({ RebuildWorkspaceRequests: [{ WorkspaceId: id }] }));
  await wait(id, "AVAILABLE");
  assert.equal(readFileSync(join(home(id), "kept.txt"), "utf8"), "from before the snapshot");
  assert.ok(!existsSync(join(home(id), "after-snapshot.txt")), "Rebuild restores the user volume from the last snapshot");
  assert.match(processesOf(id), /\d+/);

  const uid = execFileSync("id", ["-u", account(id)]).toString().trim();
  await ws.send(new TerminateWorkspacesCommand({ TerminateWorkspaceRequests: [{ WorkspaceId: id }] }));
  await wait(id, "TERMINATED");
  assert.notEqual(spawnSync("id", ["-u", account(id)]).status, 0, "the Linux account is removed");
  assert.equal(spawnSync("pgrep", ["-U", uid]).stdout.toString().trim(), "", "no process is left");
  assert.equal(spawnSync("findmnt", ["--mountpoint", home(id)]).status, 1, "the user volume is unmounted");
  const left = ["homes", "volumes", "sessions", "snapshots"].flatMap(d => readdirSync(join(server.data, "desktops", d)))
    .filter(f => f.startsWith(id));
  assert.deepEqual(left, [], "no file is left");
});

test("a desktop that dies is UNHEALTHY and restarted", async () => {
  const id = await create("dave");
  await wait(id, "AVAILABLE");
  const killed = xvncOf(id);
  spawnSync("pkill", ["-KILL", "-u", account(id), "Xvnc"]);
  // UNHEALTHY lasts while the desktop restarts (a new Xvnc must answer the RFB handshake): the 50 ms poll sees it.
  await wait(id, "UNHEALTHY", 20_000);
  await wait(id, "AVAILABLE", 60_000);
  assert.match(xvncOf(id), /^\d+$/);
  assert.notEqual(xvncOf(id), killed, "a new Xvnc runs");
});

test("nobody reaches a desktop that is not theirs", async () => {
  // ALWAYS_ON: a 3 s AutoStop could stop it while the sign-ins below run, and the last one then finds it STOPPING.
  const bob = await create("bob", "ALWAYS_ON");
  await wait(bob, "AVAILABLE");
  // Wrong password, a user without a workspace, and no or a forged session cookie.
  const wrong = await signIn("bob", "not-bobs-password");
  assert.match(await wrong.textContent("#error"), /Sign-in failed/);
  await wrong.close();
  setPassword("erin", "erin-password"); // erin has no workspace
  const erin = await signIn("erin", "erin-password");
  assert.match(await erin.textContent("#error"), /Sign-in failed/);
  await erin.close();
  const handshake = (headers) => new Promise((resolve, reject) => {
    const req = request(server.url + "/desktop/ws", { headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers } });
    req.on("response", (res) => { res.resume(); resolve(res.statusCode); });
    req.on("upgrade", (res, socket) => { socket.destroy(); resolve(101); });
    req.on("error", reject);
    req.end();
  });
  assert.equal(await handshake({}), 401);
  assert.equal(await handshake({ Cookie: "cubicle_desktop=YWJj.ZGVm" }), 401);
  assert.equal(await handshake({ Origin: "http://evil.example" }), 403);
  // bob signed in reaches his own desktop only: the session names his workspace.
  const page = await signIn("bob", "bob-password");
  await page.waitForFunction(() => document.querySelector("#noVNC_status")?.textContent?.includes("Connected"), null, { timeout: 20_000 });
  assert.match(await page.textContent("#noVNC_status"), /bob/);
  await page.close();
  // Other Linux users cannot open bob's VNC socket (0600, owned by his account, in his sandbox), nor anything the
  // server keeps for desktops (root's alone).
  assert.equal(spawnSync("stat", ["-c", "%a %U", `/proc/${xvncOf(bob)}/root/run/vnc/vnc.sock`]).stdout.toString().trim(),
    `600 ${account(bob)}`);
  assert.equal(spawnSync("stat", ["-c", "%a %U", join(server.data, "desktops")]).stdout.toString().trim(), "700 root");
});

test("after a crash and restart the server adopts the desktops still running", async () => {
  const id = await create("mary", "ALWAYS_ON");
  await wait(id, "AVAILABLE");
  const xvnc = () => xvncOf(id);
  const before = xvnc();
  assert.match(before, /^\d+$/);
  await server.restart();
  ws = server.client();
  await sleep(5000); // two monitor rounds
  assert.equal((await ws.send(new DescribeWorkspacesCommand({ WorkspaceIds: [id] }))).Workspaces[0].State, "AVAILABLE");
  assert.equal(xvnc(), before, "the same session, adopted rather than restarted");
});

test("past the host's capacity, creates fail for the extra items and nothing half-made is left", async () => {
  const small = await startServer("--desktops", "local", "--transition-seconds", "0", "--max-desktops", "1");
  const client = small.client();
  try {
    const r = await client.send(new CreateWorkspacesCommand({ Workspaces: ["alice", "bob"].map(UserName => ({ DirectoryId: DIR, UserName, BundleId: "wsb-al2val01" })) }));
    assert.equal(r.PendingRequests.length, 1);
    assert.deepEqual(r.FailedRequests.map(f => f.ErrorCode), ["InsufficientCapacity"]);
    const all = (await client.send(new DescribeWorkspacesCommand({}))).Workspaces;
    assert.equal(all.length, 1);
    const id = r.PendingRequests[0].WorkspaceId;
    await waitForState(client, DescribeWorkspacesCommand, id, "AVAILABLE", 60_000);
    await client.send(new TerminateWorkspacesCommand({ TerminateWorkspaceRequests: [{ WorkspaceId: id }] }));
    await waitForState(client, DescribeWorkspacesCommand, id, "TERMINATED", 60_000);
  } finally {
    small.stop();
  }
});

// The host's gauges in /metrics: {measure: value} of one metric for this host (sampled every few seconds).
async function gauges(srv, metric) {
  const text = await (await fetch(srv.url + "/metrics", { headers: { authorization: "Bearer gauges" } })).text();
  const found = {};
  for (const [, measure, value] of text.matchAll(new RegExp(`^${metric}\\{[^}]*measure="(\\w+)"[^}]*\\} (\\S+)$`, "gm")))
    found[measure] = Number(value);
  return found;
}

test("a host refuses at the call what its memory or disk cannot hold, and shows its gauges", async () => {
  // A tenth of the host's memory holds one Value desktop (2 GiB), not a Standard one (4 GiB). Without
  // oversubscription, a 2000 GiB volume fits on no test machine's disk.
  const small = await startServer("--desktops", "local", "--transition-seconds", "0", "--memory-oversubscription", "0.1",
    "--metrics-token", "gauges");
  const client = small.client();
  try {
    const one = (UserName, BundleId) => ({ DirectoryId: DIR, UserName, BundleId });
    const r = await client.send(new CreateWorkspacesCommand({ Workspaces: [one("bob", "wsb-al2val01"), one("alice", "wsb-al2std01")] }));
    assert.equal(r.PendingRequests.length, 1);
    assert.equal(r.PendingRequests[0].UserName, "bob");
    assert.deepEqual(r.FailedRequests.map(f => f.ErrorCode), ["InsufficientCapacity"]);
    assert.match(r.FailedRequests[0].ErrorMessage, /no memory left to promise 4 GiB more \(memory: 2 GiB promised of /);
    await waitForState(client, DescribeWorkspacesCommand, r.PendingRequests[0].WorkspaceId, "AVAILABLE", 60_000);
    let memory = {}, disk = {};
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && memory.provisioned !== 2 ** 31;) {
      await sleep(500);
      [memory, disk] = [await gauges(small, "cubicle_host_memory_bytes"), await gauges(small, "cubicle_host_disk_bytes")];
    }
    assert.equal(memory.provisioned, 2 ** 31);
    assert.ok(memory.capacity > 2 ** 32 && Math.abs(memory.limit - memory.capacity * 0.1) < 2, JSON.stringify(memory));
    assert.ok(memory.used > 0 && memory.used + memory.free === memory.capacity, JSON.stringify(memory));
    assert.equal(disk.provisioned, 10 * 2 ** 30);
    assert.ok(disk.used > 0 && disk.free > disk.reserve && disk.limit === 20 * (disk.capacity - disk.reserve), JSON.stringify(disk));
    assert.deepEqual(await gauges(small, "cubicle_host_desktops"), { max: 8, running: 1 });

    // The operator's console shows the same, on its Hosts page.
    const page = await watchCsp(await browser.newPage(), violations);
    await page.goto(small.url + "/console/");
    await page.fill("#access-key-id", small.key.id);
    await page.fill("#secret-access-key", small.key.secret);
    await page.click("#sign-in");
    await page.click("nav a[href='#/hosts']");
    const memoryCell = page.locator("tr[data-host] td[data-resource=Memory]");
    await memoryCell.waitFor({ timeout: 15_000 });
    assert.match(await memoryCell.textContent(), /2\.0 GiB promised of [\d.]+ GiB \(\d+%,\s*0\.1×/);
    assert.match(await page.locator("tr[data-host] td[data-resource=Disk]").textContent(), /10\.0 GiB promised of .* kept/);
    assert.match(await page.locator("tr[data-host]").textContent(), /ACTIVE\s*1 of 8/);
    await page.close();
  } finally {
    small.stop();
  }
  const tight = await startServer("--desktops", "local", "--transition-seconds", "0", "--disk-oversubscription", "1");
  try {
    const r = await tight.client().send(new CreateWorkspacesCommand({ Workspaces: [{ DirectoryId: DIR, UserName: "carol",
      BundleId: "wsb-al2val01", WorkspaceProperties: { UserVolumeSizeGib: 2000 } }] }));
    assert.deepEqual(r.PendingRequests, []);
    assert.match(r.FailedRequests[0].ErrorMessage, /no disk left to promise a 2000 GiB volume \(disk: 0 GiB promised of /);
    assert.deepEqual((await tight.client().send(new DescribeWorkspacesCommand({}))).Workspaces, []);
  } finally {
    tight.stop();
  }
});

test("no Content-Security-Policy violation in any page: the desktop opened under the strict policy", () => {
  assert.deepEqual(violations, []);
});
