"""The write rows of the benchmark: 16 connections changing workspaces in a loop (RebootWorkspaces, then
StopWorkspaces, then StartWorkspaces, one workspace a call), on distinct workspaces (each of wrk's threads its own
eight) and on 25 workspaces all connections share (contention), on SQLite and on PostgreSQL. Every answer's status is
counted: under contention a change may be refused (InvalidResourceState in FailedRequests, or
OperationInProgressException), never answered 5xx.

Run alone to compare builds: CUBICLE_SERVER_DLL=/path/Cubicle.Server.dll python3 bench/writes.py [sqlite|postgres]
(BENCH_POSTGRES names a cluster, as for harness.py; BENCH_SECONDS the length of each run).
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import harness
from sign import signed

CONNECTIONS = 16
SHARED = 25

LUA = r"""
local sets = %(sets)s
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("set", counter)
  table.insert(threads, thread)
end
local mine, i = nil, 0
-- Globals: done() reads them from each thread.
statuses, refused = {}, 0
function init(args)
  mine = sets[((set - 1) %% #sets) + 1]
  i = set * 7
end
function request()
  i = (i %% #mine) + 1
  local r = mine[i]
  return wrk.format("POST", "/", r.h, r.b)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 and string.find(body, "ErrorCode", 1, true) then refused = refused + 1 end
end
function done(summary, latency, requests)
  local total, items = {}, 0
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("statuses")) do total[s] = (total[s] or 0) + n end
    items = items + t:get("refused")
  end
  local parts = {}
  for s, n in pairs(total) do table.insert(parts, s .. "=" .. n) end
  io.write("statuses " .. table.concat(parts, " ") .. " refused_items=" .. items .. "\n")
end
"""


def lua_string(s):
    return json.dumps(s)


def request_table(url, workspaces):
    """Pre-signed calls (a signature stays valid for 15 minutes): Reboot, Stop and Start of each workspace, in
    rounds (every workspace rebooted, then every one stopped, then started)."""
    rows = []
    for action, member in (("RebootWorkspaces", "RebootWorkspaceRequests"),
                           ("StopWorkspaces", "StopWorkspaceRequests"),
                           ("StartWorkspaces", "StartWorkspaceRequests")):
        for w in workspaces:
            body = json.dumps({member: [{"WorkspaceId": w}]})
            headers = {k: (v if isinstance(v, str) else v.decode())
                       for k, v in signed(url, "WorkspacesService." + action, body).items()
                       if k.lower() not in ("host", "content-length")}
            h = "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}"
            rows.append(f"{{h = {h}, b = {lua_string(body)}}}")
    return "{" + ", ".join(rows) + "}"


def script(url, sets):
    return LUA % {"sets": "{" + ", ".join(request_table(url, s) for s in sets) + "}"}


def run_wrk(url, text, duration):
    path = os.path.join(tempfile.mkdtemp(prefix="cubicle-writes-"), "writes.lua")
    with open(path, "w") as f:
        f.write(text)
    subprocess.run(["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", "3s", "-s", path, url + "/"],
                   capture_output=True, text=True)
    out = subprocess.run(["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{duration}s", "--latency", "-s", path,
                          url + "/"], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = harness.ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    statuses = dict((int(k), int(v)) for k, v in re.findall(r"(\d+)=(\d+)", out.split("statuses", 1)[1].split("refused")[0]))
    refused = int(re.search(r"refused_items=(\d+)", out).group(1))
    timeouts = re.search(r"timeout (\d+)", out)
    return dict(rps=rps, p99=p99, statuses=statuses, refused=refused, timeouts=int(timeouts.group(1)) if timeouts else 0)


def workspaces(server, count, first_user):
    ws = server.client()
    ids = []
    for k in range(0, count, 25):
        r = ws.create_workspaces(Workspaces=[
            {"DirectoryId": harness.DIRECTORY, "UserName": f"u{first_user + j}", "BundleId": harness.BUNDLE,
             "WorkspaceProperties": {"RunningMode": "AUTO_STOP"}} for j in range(k, min(count, k + 25))])
        assert not r["FailedRequests"], r["FailedRequests"]
        ids += [w["WorkspaceId"] for w in r["PendingRequests"]]
    deadline = time.time() + 60
    while time.time() < deadline:
        states = [w["State"] for i in range(0, len(ids), 25)
                  for w in ws.describe_workspaces(WorkspaceIds=ids[i:i + 25])["Workspaces"]]
        if states.count("AVAILABLE") == len(ids):
            return ids
        time.sleep(0.2)
    raise RuntimeError("the workspaces did not become AVAILABLE")


def write_rows(engine, duration=None, label=None):
    """Both rows on one engine; returns {row name: figures}."""
    duration = duration or harness.DURATION
    data = tempfile.mkdtemp(prefix="cubicle-writes-data-")
    env, pg = {}, None
    if engine == "postgres":
        pg = harness.Postgres()
        env["CUBICLE_DATABASE"] = pg.new_database()[1]
        env["CUBICLE_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
    server = harness.Cubicle(data, "--directories", harness.directories_file(200), env=env).start()
    try:
        distinct = workspaces(server, CONNECTIONS, 0)
        shared = workspaces(server, SHARED, 100)
        figures = {}
        half = CONNECTIONS // 2
        # wrk's two threads: each cycles through eight workspaces of its own.
        figures["distinct"] = run_wrk(server.url, script(server.url, [distinct[:half], distinct[half:]]), duration)
        figures["shared"] = run_wrk(server.url, script(server.url, [shared]), duration)
        for row, f in figures.items():
            harness.log(f"  writes, {row:<8} {label or engine:<28} {f['rps']:>8.0f} req/s  p99 {f['p99']:.1f} ms  "
                        f"statuses {f['statuses']}  refused items {f['refused']}  timeouts {f['timeouts']}")
        return figures
    finally:
        server.stop()
        if pg:
            pg.close()


if __name__ == "__main__":
    dll = os.environ.get("CUBICLE_SERVER_DLL")
    if dll:
        harness.CUBICLE = dll
    engines = sys.argv[1:] or ["sqlite", "postgres"]
    label = os.environ.get("BENCH_LABEL")
    print(json.dumps({e: write_rows(e, label=label) for e in engines}, indent=1))
