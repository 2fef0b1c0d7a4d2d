// Starts a real Cubicle server on a free loopback port for the JS SDK conformance tests.
import { spawn, execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { WorkSpacesClient } from "@aws-sdk/client-workspaces";

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

export async function startServer(...args) {
  if (!existsSync(dll)) execFileSync("dotnet", ["build", "-c", "Release", join(root, "src", "Cubicle.Server")], { stdio: "ignore" });
  const data = mkdtempSync(join(tmpdir(), "cubicle-js-"));
  // Options for the server and its commands (users, keys): one database and master key, kept across restarts.
  const env = { ...process.env };
  if (process.env.CUBICLE_TEST_DATABASE === "postgres") {
    env.CUBICLE_DATABASE = postgresDatabase();
    env.CUBICLE_MASTER_KEY = randomBytes(32).toString("base64");
    env.CUBICLE_NODE_NAME = "test-" + randomUUID().slice(0, 8);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const p = spawn("dotnet", [dll, "--urls", url, "--data", data, "--transition-seconds", "0.3", ...args], { stdio: "ignore", env });
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
    client: (opts = {}) => new WorkSpacesClient({
      endpoint: url, region: opts.region ?? "us-east-1", maxAttempts: opts.maxAttempts ?? 1,
      credentials: { accessKeyId: opts.key ?? "test", secretAccessKey: opts.secret ?? "test" },
    }),
    data,
    // SIGKILL, then the same command on the same port and data folder: a crash and a restart.
    restart: async () => {
      await new Promise(r => { proc.once("exit", r); proc.kill("SIGKILL"); });
      proc = await launch();
    },
    stop: () => { proc.kill("SIGTERM"); rmSync(data, { recursive: true, force: true }); },
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
