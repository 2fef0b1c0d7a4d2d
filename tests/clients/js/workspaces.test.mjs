// Conformance of Cubicle with @aws-sdk/client-workspaces (AWS SDK for JavaScript v3).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateWorkspacesCommand, DescribeWorkspacesCommand, DescribeWorkspaceBundlesCommand, DescribeWorkspaceDirectoriesCommand,
  DescribeWorkspacesConnectionStatusCommand, DescribeTagsCommand, CreateTagsCommand, DeleteTagsCommand,
  ModifyWorkspacePropertiesCommand, RebootWorkspacesCommand, RebuildWorkspacesCommand, StartWorkspacesCommand,
  StopWorkspacesCommand, TerminateWorkspacesCommand, paginateDescribeWorkspaces, paginateDescribeWorkspaceBundles,
  ResourceNotFoundException, InvalidParameterValuesException,
} from "@aws-sdk/client-workspaces";
import { startServer, waitForState } from "./harness.mjs";

const DIR = "d-926722edaf";
const BUNDLE = "wsb-al2std01";
let server, ws;

before(async () => { server = await startServer(); ws = server.client(); });
after(() => server?.stop());

const wait = (id, state) => waitForState(ws, DescribeWorkspacesCommand, id, state);

test("create, describe, tag, modify and the lifecycle of one workspace", async () => {
  const created = await ws.send(new CreateWorkspacesCommand({ Workspaces: [{
    DirectoryId: DIR, UserName: "alice", BundleId: BUNDLE, Tags: [{ Key: "sdk", Value: "js" }],
    WorkspaceProperties: { RunningMode: "AUTO_STOP", RunningModeAutoStopTimeoutInMinutes: 60 } }] }));
  assert.deepEqual(created.FailedRequests, []);
  const id = created.PendingRequests[0].WorkspaceId;
  assert.match(id, /^ws-[0-9a-z]{8,63}$/);
  assert.equal(created.PendingRequests[0].State, "PENDING");
  const ready = await wait(id, "AVAILABLE");
  assert.equal(ready.UserName, "alice");
  assert.match(ready.IpAddress, /^\d+\.\d+\.\d+\.\d+$/);

  assert.deepEqual((await ws.send(new DescribeTagsCommand({ ResourceId: id }))).TagList, [{ Key: "sdk", Value: "js" }]);
  await ws.send(new CreateTagsCommand({ ResourceId: id, Tags: [{ Key: "team", Value: "blue" }] }));
  await ws.send(new DeleteTagsCommand({ ResourceId: id, TagKeys: ["sdk"] }));
  assert.deepEqual((await ws.send(new DescribeTagsCommand({ ResourceId: id }))).TagList, [{ Key: "team", Value: "blue" }]);

  const status = (await ws.send(new DescribeWorkspacesConnectionStatusCommand({ WorkspaceIds: [id] }))).WorkspacesConnectionStatus[0];
  assert.equal(status.ConnectionState, "DISCONNECTED");
  assert.ok(status.ConnectionStateCheckTimestamp instanceof Date, "epoch seconds parse into a Date");
  assert.ok(Math.abs(status.ConnectionStateCheckTimestamp.getTime() - Date.now()) < 60_000);

  await ws.send(new ModifyWorkspacePropertiesCommand({ WorkspaceId: id, WorkspaceProperties: { RunningModeAutoStopTimeoutInMinutes: 180 } }));
  assert.equal((await ws.send(new DescribeWorkspacesCommand({ WorkspaceIds: [id] }))).Workspaces[0].WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes, 180);

  assert.deepEqual((await ws.send(new RebootWorkspacesCommand({ RebootWorkspaceRequests: [{ WorkspaceId: id }] }))).FailedRequests, []);
  await wait(id, "AVAILABLE");
  assert.deepEqual((await ws.send(new RebuildWorkspacesCommand({ RebuildWorkspaceRequests: [{ WorkspaceId: id }] }))).FailedRequests, []);
  await wait(id, "AVAILABLE");
  assert.deepEqual((await ws.send(new StopWorkspacesCommand({ StopWorkspaceRequests: [{ WorkspaceId: id }] }))).FailedRequests, []);
  await wait(id, "STOPPED");
  assert.deepEqual((await ws.send(new StartWorkspacesCommand({ StartWorkspaceRequests: [{ WorkspaceId: id }] }))).FailedRequests, []);
  await wait(id, "AVAILABLE");
  const term = await ws.send(new TerminateWorkspacesCommand({ TerminateWorkspaceRequests: [{ WorkspaceId: id }, { WorkspaceId: "ws-000000000" }] }));
  assert.deepEqual(term.FailedRequests.map(f => [f.WorkspaceId, f.ErrorCode]), [["ws-000000000", "ResourceNotFound.Workspace"]]);
  await wait(id, "TERMINATED");
});

test("batch failures come back per item", async () => {
  const r = await ws.send(new CreateWorkspacesCommand({ Workspaces: [
    { DirectoryId: DIR, UserName: "bob", BundleId: BUNDLE },
    { DirectoryId: DIR, UserName: "ghost", BundleId: BUNDLE },
    { DirectoryId: DIR, UserName: "bob", BundleId: BUNDLE },
  ] }));
  assert.deepEqual(r.PendingRequests.map(w => w.UserName), ["bob"]);
  assert.deepEqual(r.FailedRequests.map(f => f.ErrorCode), ["ResourceNotFound.User", "ResourceExists.WorkSpace"]);
  const reboot = await ws.send(new RebootWorkspacesCommand({ RebootWorkspaceRequests: [{ WorkspaceId: r.PendingRequests[0].WorkspaceId }] }));
  assert.equal(reboot.FailedRequests[0].ErrorCode, "InvalidResourceState"); // still PENDING
});

test("modelled errors become typed exceptions", async () => {
  await assert.rejects(ws.send(new DescribeTagsCommand({ ResourceId: "ws-000000000" })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.ResourceId, "ws-000000000");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.match(e.$metadata.requestId, /^[0-9a-f-]{36}$/);
    return true;
  });
  await assert.rejects(ws.send(new DescribeWorkspacesCommand({ Limit: 26 })), (e) => e instanceof InvalidParameterValuesException && /Limit/.test(e.message));
  await assert.rejects(ws.send(new DescribeWorkspacesCommand({ UserName: "bob" })), (e) => e instanceof InvalidParameterValuesException && /UserName/.test(e.message));
  await assert.rejects(server.client({ secret: "wrong" }).send(new DescribeWorkspacesCommand({})), (e) => e.name === "InvalidSignatureException");
  await assert.rejects(server.client({ key: "AKIDNOBODY" }).send(new DescribeWorkspacesCommand({})), (e) => e.name === "InvalidClientTokenId" && e.$metadata.httpStatusCode === 403);
});

test("paginators visit every item once", async () => {
  const users = ["carol", "dave", "erin", "mary"];
  await ws.send(new CreateWorkspacesCommand({ Workspaces: users.map(u => ({ DirectoryId: DIR, UserName: u, BundleId: BUNDLE })) }));
  const ids = [];
  for await (const page of paginateDescribeWorkspaces({ client: ws, pageSize: 2 }, {})) {
    assert.ok(page.Workspaces.length <= 2);
    ids.push(...page.Workspaces.map(w => w.WorkspaceId));
  }
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.length >= users.length + 1);
  const bundles = [];
  for await (const page of paginateDescribeWorkspaceBundles({ client: ws }, { Owner: "AMAZON" })) bundles.push(...page.Bundles);
  assert.equal(bundles.length, 30);
  assert.ok(bundles.every(b => b.CreationTime instanceof Date));
  const dirs = await ws.send(new DescribeWorkspaceDirectoriesCommand({}));
  assert.deepEqual(dirs.Directories.map(d => d.DirectoryId), [DIR]);
});

test("regions are separate", async () => {
  const west = server.client({ region: "eu-west-1" });
  assert.deepEqual((await west.send(new DescribeWorkspacesCommand({}))).Workspaces, []);
  assert.deepEqual((await west.send(new DescribeWorkspaceDirectoriesCommand({}))).Directories, []);
});
