// Authentication and throttling through @aws-sdk/client-workspaces.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { DescribeWorkspacesCommand, DescribeWorkspaceBundlesCommand, CreateWorkspacesCommand, ModifyWorkspacePropertiesCommand } from "@aws-sdk/client-workspaces";
import { startServer } from "./harness.mjs";

let server;
before(async () => { server = await startServer("--throttle-rate", "3", "--throttle-burst", "5"); });
after(() => server?.stop());

test("throttled calls are retried by the SDK and succeed", async () => {
  const once = server.client({ maxAttempts: 1 });
  await assert.rejects(async () => { for (let i = 0; i < 30; i++) await once.send(new DescribeWorkspacesCommand({})); },
    (e) => e.name === "Throttling" && e.$metadata.httpStatusCode === 400);
  const patient = server.client({ maxAttempts: 10 });
  let retried = 0;
  for (let i = 0; i < 12; i++) {
    const r = await patient.send(new DescribeWorkspaceBundlesCommand({ Owner: "AMAZON" }));
    assert.equal(r.Bundles.length, 25);
    retried += r.$metadata.attempts - 1;
  }
  assert.ok(retried > 0, "some calls were throttled and retried");
});

test("a key of another account sees nothing of the default account", async () => {
  await new Promise(r => setTimeout(r, 2500)); // let the bucket refill
  const root = server.client({ maxAttempts: 10 });
  const created = await root.send(new CreateWorkspacesCommand({ Workspaces: [{ DirectoryId: "d-926722edaf", UserName: "alice", BundleId: "wsb-al2std01" }] }));
  const id = created.PendingRequests[0].WorkspaceId;
  const key = JSON.parse(execFileSync("dotnet", [process.env.CUBICLE_SERVER_DLL ?? "../../../src/Cubicle.Server/bin/Release/net10.0/Cubicle.Server.dll",
    "keys", "create", "--account", "222222222222", "--data", server.data], { env: server.env }).toString());
  const other = server.client({ key: key.AccessKeyId, secret: key.SecretAccessKey, maxAttempts: 10 });
  assert.deepEqual((await other.send(new DescribeWorkspacesCommand({}))).Workspaces, []);
  await assert.rejects(other.send(new ModifyWorkspacePropertiesCommand({ WorkspaceId: id, WorkspaceProperties: { RunningMode: "AUTO_STOP" } })),
    (e) => e.name === "ResourceNotFoundException" && e.ResourceId === id);
});
