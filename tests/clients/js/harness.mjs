// Starts a real Cubicle server on a free loopback port for the JS SDK conformance tests.
import { spawn, execFileSync, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, existsSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { WorkSpacesClient } from "@aws-sdk/client-workspaces";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dll = process.env.CUBICLE_SERVER_DLL ?? join(root, "src", "Cubicle.Server", "bin", "Release", "net10.0", "Cubicle.Server.dll");

const freePort = () => new Promise((ok, fail) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
  s.on("error", fail);
});

// The suites run on SQLite, or on PostgreSQL when CUBICLE_TEST_DATABASE=postgres (CUBICLE_TEST_POSTGRES: the cluster).
function postgresDatabase() {
  const base = Object.fromEntries(process.env.CUBICLE_TEST_POSTGRES.split(";").filter(Boolean).map(p => p.split("=")));
  const name = "cubicle_" + randomUUID().replaceAll("-", "").slice(0, 12);
  execFileSync("psql", [`host=${base.Host} port=${base.Port} user=${base.Username} dbname=postgres`, "-qc", `CREATE DATABASE ${name}`]);
  return Object.entries({ ...base, Database: name }).map(([k, v]) => `${k}=${v}`).join(";");
}

// startServer(...args) or startServer({ dataParent }, ...args): dataParent is where the data folder is made
// (the system's temporary folder by default).
export async function startServer(...args) {
  const opts = typeof args[0] === "object" ? args.shift() : {};
  if (!existsSync(dll)) execFileSync("dotnet", ["build", "-c", "Release", join(root, "src", "Cubicle.Server")], { stdio: "ignore" });
  const data = mkdtempSync(join(opts.dataParent ?? tmpdir(), "cubicle-js-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Servers with real desktops refuse the default test/test root key: give them one of their own.
  const desktops = args.some((a, i) => a === "local" && args[i - 1] === "--desktops");
  const key = desktops
    ? { id: "AKIA" + randomBytes(8).toString("hex").toUpperCase(), secret: randomBytes(30).toString("base64") }
    : { id: "test", secret: "test" };
  // Options for the server and its commands (users, keys): one database and master key, kept across restarts.
  const env = desktops
    ? { ...process.env, CUBICLE_ROOT_ACCESS_KEY_ID: key.id, CUBICLE_ROOT_SECRET_ACCESS_KEY: key.secret }
    : { ...process.env };
  if (process.env.CUBICLE_TEST_DATABASE === "postgres") {
    env.CUBICLE_DATABASE = postgresDatabase();
    env.CUBICLE_MASTER_KEY = randomBytes(32).toString("base64");
    env.CUBICLE_NODE_NAME = "test-" + randomUUID().slice(0, 8);
  }
  const launch = async () => {
    // CUBICLE_SERVER_LOG=FILE keeps the servers' output, to see why a test failed.
    const log = process.env.CUBICLE_SERVER_LOG ? openSync(process.env.CUBICLE_SERVER_LOG, "a") : "ignore";
    const p = spawn("dotnet", [dll, "--urls", url, "--data", data, "--transition-seconds", "0.3", ...args],
      { stdio: ["ignore", log, log], env });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try { if ((await fetch(url + "/health")).ok) break; } catch { await new Promise(r => setTimeout(r, 50)); }
    }
    return p;
  };
  let proc = await launch();
  return {
    url,
    env,
    key,
    // For the AWS CLI: the root key, no profile of the host's.
    awsEnv: { ...process.env, AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret,
      AWS_DEFAULT_REGION: "us-east-1", AWS_CONFIG_FILE: "/dev/null" },
    // Cubicle's operator actions (CubicleAdmin.*), signed with SigV4 for the service "cubicle" by the root key.
    admin: async (action, params) => {
      const signer = new SignatureV4({ service: "cubicle", region: "us-east-1", sha256: Sha256,
        credentials: { accessKeyId: key.id, secretAccessKey: key.secret } });
      const u = new URL(url);
      const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: "/",
        headers: { host: u.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": "CubicleAdmin." + action },
        body: JSON.stringify(params) });
      return fetch(url + "/", { method: "POST", headers: signed.headers, body: signed.body });
    },
    client: (opts = {}) => new WorkSpacesClient({
      endpoint: url, region: opts.region ?? "us-east-1", maxAttempts: opts.maxAttempts ?? 1,
      credentials: { accessKeyId: opts.key ?? key.id, secretAccessKey: opts.secret ?? key.secret },
    }),
    data,
    pid: () => proc.pid,
    // SIGKILL, then the same command on the same port and data folder: a crash and a restart.
    restart: async () => {
      await new Promise(r => { proc.once("exit", r); proc.kill("SIGKILL"); });
      proc = await launch();
    },
    stop: () => {
      proc.kill("SIGTERM");
      // User volumes a failed test left mounted: unmount them rather than delete their files through the mount.
      const mounts = spawnSync("findmnt", ["-rn", "-o", "TARGET"]).stdout?.toString().split("\n")
        .filter(m => m.startsWith(data + "/")) ?? [];
      for (const m of mounts.reverse()) spawnSync("umount", ["-l", m]);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function waitForState(client, DescribeWorkspacesCommand, id, state, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    const r = await client.send(new DescribeWorkspacesCommand({ WorkspaceIds: [id] }));
    last = r.Workspaces?.[0]?.State;
    if (last === state) return r.Workspaces[0];
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`${id} is ${last}, expected ${state}`);
}

/**
 * Collects into `violations` every Content-Security-Policy violation a page meets: Chromium logs each as a console
 * error, and the document fires securitypolicyviolation (listened to by a script the browser injects, which no CSP
 * blocks). Returns the page.
 */
export async function watchCsp(page, violations) {
  page.on("console", m => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
  });
  await page.exposeFunction("cubicleCspViolation", (v) => violations.push(v));
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation", (e) =>
    window.cubicleCspViolation(`${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI} ` +
      `(${e.sourceFile}:${e.lineNumber})`)));
  return page;
}
