"""Cubicle's benchmark harness: Cubicle, moto_server and a bare ASP.NET Core app side by side in one run,
load from wrk on loopback. Writes bench/RESULTS.md and bench/page-latency.png. Run it with bench/run.sh."""
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import base64
import statistics
import uuid

import boto3
from botocore.config import Config

from sign import lua_replay, signed

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CUBICLE = os.path.join(ROOT, "src", "Cubicle.Server", "bin", "Release", "net10.0", "Cubicle.Server.dll")
BARE = os.path.join(HERE, "BareKestrel", "bin", "Release", "net10.0", "BareKestrel.dll")
DIRECTORY = "d-926722edaf"
BUNDLE = "wsb-al2std01"
DURATION = int(os.environ.get("BENCH_SECONDS", "8"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "4"))
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "1000,100000,1000000").split(",")]
# The DescribeWorkspaces rows at 1,000 stored (the targets') are measured this many times; the table shows the median.
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
# PostgreSQL rows: a cluster named by an Npgsql connection string (its database is used to create one of ours), or
# without one a throwaway cluster from tests/postgres/cluster.sh; BENCH_POSTGRES=off skips them.
POSTGRES = os.environ.get("BENCH_POSTGRES")
CLUSTER_SH = os.path.join(ROOT, "tests", "postgres", "cluster.sh")
WORK = tempfile.mkdtemp(prefix="cubicle-bench-")
results = []   # (scenario, peer, connections, rps, p50_ms, p99_ms): the median of its runs
runs = {}      # "scenario | peer | connections" -> every run: rps, p50, p99, errors, load (1-minute) before it
facts = {}     # single measurements


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(*a):
    print(*a, flush=True)


# ----------------------------------------------------------------------------- processes

class Cubicle:
    def __init__(self, data, *args, env=None):
        self.data, self.args, self.proc = data, list(args), None
        self.env = dict(os.environ, **(env or {}))

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(["dotnet", CUBICLE, "--urls", self.url, "--data", self.data, "--throttle-rate", "0",
                                      "--transition-seconds", "0", "--workspace-quota", "10000000", *self.args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=self.env)
        body = b"{}"
        while True:
            try:
                headers = signed(self.url, "WorkspacesService.DescribeWorkspaces", "{}")
                req = urllib.request.Request(self.url + "/", data=body, headers=headers, method="POST")
                with urllib.request.urlopen(req, timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("Cubicle exited")
                time.sleep(0.002)
        self.startup = time.perf_counter() - t0
        return self

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)

    def client(self, service="workspaces"):
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}, max_pool_connections=32))


def wrk(url, lua_text, connections, duration=DURATION, warmup=WARMUP):
    return wrk_parallel([(url, lua_text)], connections, duration, warmup)


def wrk_parallel(targets, connections, duration=DURATION, warmup=WARMUP):
    """wrk against each (url, script) at once, the connections split evenly between them (several nodes behind no
    balancer: each client talks to its node). Returns the summed req/s, the highest p50 and p99 of the targets
    (a conservative figure for the whole), and the non-2xx answers."""
    each = max(1, connections // len(targets))
    threads = "1" if each == 1 or len(targets) > 1 else "2"
    scripts = []
    for url, lua_text in targets:
        script = os.path.join(WORK, f"s{time.time_ns()}.lua")
        with open(script, "w") as f:
            f.write(lua_text)
        scripts.append((url, script))
    if warmup:
        procs = [subprocess.Popen(["wrk", "-t", threads, "-c", str(each), "-d", f"{warmup}s", "-s", script, url + "/"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for url, script in scripts]
        for p in procs:
            p.wait()
    procs = [subprocess.Popen(["wrk", "-t", threads, "-c", str(each), "-d", f"{duration}s", "--latency", "-s", script,
                               url + "/"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for url, script in scripts]
    outs = [p.communicate()[0] for p in procs]
    total, p50s, p99s, errors = 0.0, [], [], 0
    for out in outs:
        if "50%" not in out or "Requests/sec" not in out:
            raise RuntimeError(f"wrk gave no result:\n{out}")
        total += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50s.append(ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)))
        p99s.append(ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)))
        e = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors += int(e.group(1)) if e else 0
    return total, max(p50s), max(p99s), errors


def load_average():
    return float(open("/proc/loadavg").read().split()[0])


def measure(scenario, peer, connections, targets, repeat=REPEAT):
    """The scenario measured `repeat` times (a warm-up before the first); the table shows the median of each figure,
    runs.json every run with the machine's load (1-minute average) just before it."""
    done = []
    for i in range(repeat):
        before = load_average()
        rps, p50, p99, errors = wrk_parallel(targets, connections, warmup=WARMUP if i == 0 else 0)
        done.append(dict(rps=rps, p50=p50, p99=p99, errors=errors, load=before))
    runs[f"{scenario} | {peer} | {connections}"] = done
    record(scenario, peer, connections, (statistics.median(r["rps"] for r in done), statistics.median(r["p50"] for r in done),
                                         statistics.median(r["p99"] for r in done), sum(r["errors"] for r in done)))
    if repeat > 1:
        log(f"    runs: " + ", ".join(f"{r['rps']:,.0f} req/s p99 {r['p99']:.2f} ms (load {r['load']:.2f})" for r in done))


def ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def record(scenario, peer, connections, run):
    rps, p50, p99, errors = run
    results.append((scenario, peer, connections, rps, p50, p99))
    log(f"  {scenario:<42} {peer:<22} c={connections:<3} {rps:>10.0f} req/s  p50 {p50:.3f} ms  p99 {p99:.3f} ms" + (f"  ({errors} errors)" if errors else ""))


# ----------------------------------------------------------------------------- fixtures

def directories_file(users):
    path = os.path.join(WORK, f"dirs-{users}.json")
    with open(path, "w") as f:
        json.dump({"Directories": [{"DirectoryId": DIRECTORY, "DirectoryName": "corp.example.com", "SubnetIds": ["subnet-0a1b2c3d"],
                                    "SubnetCidrs": {"subnet-0a1b2c3d": "10.0.0.0/8"}, "Users": [f"u{i}" for i in range(users)]}]}, f)
    return path


def populate(data, n):
    """Stored workspaces for the page-cost scenarios, written straight into the database (the server renders
    each row's API JSON when it next opens it)."""
    db = sqlite3.connect(os.path.join(data, "cubicle.db"))
    db.execute("PRAGMA journal_mode=WAL")
    now = int(time.time() * 1000)
    db.execute(f"""
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n})
        INSERT INTO workspaces(workspace_id, account_id, region, directory_id, user_name, bundle_id, state, ip_address, subnet_id, computer_name,
          running_mode, auto_stop_timeout, root_volume_size_gib, user_volume_size_gib, compute_type_name, protocols, operating_system_name,
          root_volume_encryption_enabled, user_volume_encryption_enabled, created_at, state_changed_at, connection_state, connection_checked_at)
        SELECT printf('ws-b%08x', i), '000000000000', 'us-east-1', '{DIRECTORY}', 'bench' || i, '{BUNDLE}', 'AVAILABLE',
          printf('10.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255), 'subnet-0a1b2c3d', printf('WSAMZN-B%07X', i),
          'ALWAYS_ON', NULL, 80, 50, 'STANDARD', 'WSP', 'AMAZON_LINUX_2', 0, 0, {now}, {now}, 'DISCONNECTED', {now} FROM k""")
    db.execute(f"INSERT INTO account_usage(account_id, active_workspaces) VALUES ('000000000000', {n}) "
               f"ON CONFLICT(account_id) DO UPDATE SET active_workspaces=active_workspaces+{n}")
    db.commit()
    db.close()


def disk_bytes(data):
    return sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("cubicle.db"))


# ----------------------------------------------------------------------------- PostgreSQL

class Postgres:
    """The cluster of the PostgreSQL rows: BENCH_POSTGRES, or a throwaway one (tests/postgres/cluster.sh)."""

    def __init__(self):
        self.folder = None
        if POSTGRES:
            self.base = POSTGRES
        else:
            out = subprocess.run(["bash", CLUSTER_SH, "start"], capture_output=True, text=True, check=True).stdout
            self.folder = re.search(r"PGDIR='([^']+)'", out).group(1)
            self.base = re.search(r"CUBICLE_TEST_POSTGRES='([^']+)'", out).group(1)
        self.parts = dict(p.split("=", 1) for p in self.base.split(";") if p)
        self.databases = []

    def conninfo(self, database):
        return f"host={self.parts['Host']} port={self.parts['Port']} user={self.parts['Username']} dbname={database}"

    def psql(self, database, sql):
        subprocess.run(["psql", self.conninfo(database), "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                       capture_output=True)

    def new_database(self):
        name = "cubicle_bench_" + uuid.uuid4().hex[:10]
        self.psql(self.parts.get("Database", "postgres"), f"CREATE DATABASE {name}")
        self.databases.append(name)
        return name, ";".join(f"{k}={v}" for k, v in dict(self.parts, Database=name).items())

    def close(self):
        for name in self.databases:
            subprocess.run(["psql", self.conninfo(self.parts.get("Database", "postgres")), "-qXc",
                            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)
        if self.folder:
            subprocess.run(["bash", CLUSTER_SH, "stop", self.folder], capture_output=True)


def populate_postgres(pg, database, n):
    """The same workspaces as populate(), in a PostgreSQL database."""
    now = int(time.time() * 1000)
    pg.psql(database, f"""
        INSERT INTO workspaces(workspace_id, account_id, region, directory_id, user_name, bundle_id, state, ip_address,
          subnet_id, computer_name, running_mode, auto_stop_timeout, root_volume_size_gib, user_volume_size_gib,
          compute_type_name, protocols, operating_system_name, root_volume_encryption_enabled,
          user_volume_encryption_enabled, created_at, state_changed_at, connection_state, connection_checked_at)
        SELECT format('ws-b%s', lpad(to_hex(i), 8, '0')), '000000000000', 'us-east-1', '{DIRECTORY}', 'bench' || i,
          '{BUNDLE}', 'AVAILABLE', format('10.%s.%s.%s', (i >> 16) & 255, (i >> 8) & 255, i & 255), 'subnet-0a1b2c3d',
          'WSAMZN-B' || upper(lpad(to_hex(i), 7, '0')), 'ALWAYS_ON', NULL, 80, 50, 'STANDARD', 'WSP', 'AMAZON_LINUX_2',
          false, false, {now}, {now}, 'DISCONNECTED', {now} FROM generate_series(1, {n}) i;
        INSERT INTO account_usage(account_id, active_workspaces) VALUES ('000000000000', {n})
          ON CONFLICT (account_id) DO UPDATE SET active_workspaces = account_usage.active_workspaces + {n};
        ANALYZE;""")


def postgres_rows():
    """DescribeWorkspaces (Limit 25, 1,000 stored) on PostgreSQL: one node, then two server processes on the same
    database (their own data folders and node names; one audit trail), the connections split between them."""
    pg = Postgres()
    nodes = []
    try:
        database, connection = pg.new_database()
        shared = os.path.join(WORK, "pg-shared")
        os.makedirs(shared)
        env = {"CUBICLE_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
        common = ["--database", connection, "--audit-dir", os.path.join(shared, "trail"),
                  "--audit-signing-key", os.path.join(shared, "signing.pem")]

        def node(name, *extra):
            data = os.path.join(WORK, f"pg-{name}")
            os.makedirs(data, exist_ok=True)
            return Cubicle(data, *common, "--node-name", name, *extra, env=env)

        first = node("bench-a").start()   # the schema and the demo directory
        first.stop()
        populate_postgres(pg, database, SIZES[0])
        first = node("bench-a").start()   # renders the rows' API JSON once
        first.stop()
        scenario = f"DescribeWorkspaces Limit 25, {SIZES[0]:,} stored"
        body = '{"Limit": 25}'
        for mode, peer in (("durable", "Cubicle, PostgreSQL, 1 node"), ("off", "Cubicle, PostgreSQL, 1 node, reads unaudited")):
            a = node("bench-a", "--audit-read-events", mode).start()
            nodes.append(a)
            for c in (1, 16):
                measure(scenario, peer, c, [(a.url, lua_replay(a.url, "WorkspacesService.DescribeWorkspaces", body))])
            a.stop()
            nodes.remove(a)
        a, b = node("bench-a").start(), node("bench-b").start()
        nodes += [a, b]
        targets = [(n.url, lua_replay(n.url, "WorkspacesService.DescribeWorkspaces", body)) for n in (a, b)]
        for c in (2, 16):
            measure(scenario, "Cubicle, PostgreSQL, 2 nodes", c, targets)
    finally:
        for n in nodes:
            try:
                n.stop()
            except Exception:  # noqa: BLE001 - a node that already stopped
                pass
        pg.close()


# ----------------------------------------------------------------------------- scenarios

def page_cost(bare_port_holder):
    """DescribeWorkspaces (Limit 25) over 1k, 100k and 1M stored workspaces; start-up, RSS and disk at each size."""
    for n in SIZES:
        data = os.path.join(WORK, f"size-{n}")
        os.makedirs(data)
        server = Cubicle(data).start()   # creates the schema and the demo directory
        server.stop()
        populate(data, n)
        server = Cubicle(data).start()   # renders the rows' API JSON once
        server.stop()
        con = sqlite3.connect(os.path.join(data, "cubicle.db"))
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        server = Cubicle(data).start()
        facts[f"startup_{n}"] = server.startup
        time.sleep(2)
        facts[f"rss_idle_{n}"] = server.rss_mib()
        facts[f"disk_per_workspace_{n}"] = disk_bytes(data) / n
        lua = lua_replay(server.url, "WorkspacesService.DescribeWorkspaces", '{"Limit": 25}')
        for c in (1, 16):
            if n == SIZES[0]:
                measure(f"DescribeWorkspaces Limit 25, {n:,} stored", "Cubicle", c, [(server.url, lua)])
            else:
                record(f"DescribeWorkspaces Limit 25, {n:,} stored", "Cubicle", c, wrk(server.url, lua, c))
        facts[f"rss_loaded_{n}"] = server.rss_mib()
        if n == SIZES[0]:
            # The same bytes for the bare peer, and the API path without the durable audit of reads.
            req = urllib.request.Request(server.url + "/", data=b'{"Limit": 25}', method="POST",
                                         headers=signed(server.url, "WorkspacesService.DescribeWorkspaces", '{"Limit": 25}'))
            with urllib.request.urlopen(req) as r:
                page = r.read()
            path = os.path.join(WORK, "page.json")
            with open(path, "wb") as f:
                f.write(page)
            facts["page_bytes"] = len(page)
            bare_port_holder["page"] = path
            for mode, peer in (("buffered", "Cubicle, reads buffered"), ("off", "Cubicle, reads unaudited")):
                server.stop()
                server = Cubicle(data, "--audit-read-events", mode).start()
                lua = lua_replay(server.url, "WorkspacesService.DescribeWorkspaces", '{"Limit": 25}')
                for c in (1, 16):
                    measure(f"DescribeWorkspaces Limit 25, {n:,} stored", peer, c, [(server.url, lua)])
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def bare_kestrel(page_path):
    port = free_port()
    proc = subprocess.Popen(["dotnet", BARE, "--urls", f"http://127.0.0.1:{port}", "--response", page_path], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(urllib.request.Request(url + "/", data=b"{}", method="POST"), timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    lua = lua_replay(url, "WorkspacesService.DescribeWorkspaces", '{"Limit": 25}')
    for c in (1, 16):
        measure(f"DescribeWorkspaces Limit 25, {SIZES[0]:,} stored", "bare Kestrel (same bytes)", c, [(url, lua)])
    proc.terminate()
    proc.wait()


def moto(n):
    port = free_port()
    proc = subprocess.Popen(["moto_server", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    ds, ec2, ws = boto3.client("ds", **kw), boto3.client("ec2", **kw), boto3.client("workspaces", **kw)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    d = ds.create_directory(Name="corp.example.com", Password="Passw0rd!", Size="Small", VpcSettings={"VpcId": vpc, "SubnetIds": subnets})["DirectoryId"]
    ws.register_workspace_directory(DirectoryId=d)
    ids = []
    for b in range(n // 25):
        ids += [w["WorkspaceId"] for w in ws.create_workspaces(Workspaces=[dict(DirectoryId=d, UserName=f"u{b}_{i}", BundleId=BUNDLE) for i in range(25)])["PendingRequests"]]
    lua = lua_replay(url, "WorkspacesService.DescribeWorkspaces", '{"Limit": 25}')
    for c in (1, 16):
        record(f"DescribeWorkspaces Limit 25, {n:,} stored", "moto_server", c, wrk(url, lua, c))
    lua = lua_replay(url, "WorkspacesService.DescribeTags", json.dumps({"ResourceId": ids[0]}))
    for c in (1, 16):
        record("DescribeTags", "moto_server", c, wrk(url, lua, c))
    for c, first in ((1, 0), (16, 100_000)):
        record("CreateWorkspaces, batches of 25", "moto_server", c, wrk(url, creates_lua(url, d, first, 2000), c, duration=3, warmup=0))
    proc.terminate()
    proc.wait()


def creates_lua(url, directory, first_user, batches):
    """A wrk script that sends pre-signed CreateWorkspaces requests of 25 users each (u<first_user>, u<first_user+1>, ...);
    the threads take alternate requests, so none is sent twice."""
    reqs = []
    for b in range(batches):
        body = json.dumps({"Workspaces": [{"DirectoryId": directory, "UserName": f"u{first_user + b * 25 + i}", "BundleId": BUNDLE} for i in range(25)]})
        h = signed(url, "WorkspacesService.CreateWorkspaces", body)
        # Host is set here: the table is built when the script loads, before wrk knows its own Host header.
        h = {k: (v if isinstance(v, str) else v.decode()) for k, v in h.items() if k.lower() != "content-length"}
        h.setdefault("Host", url.split("//", 1)[1])
        reqs.append(f"wrk.format('POST', '/', {lua_table(h)}, {json.dumps(body)})")
    return ("local reqs = {" + ",\n".join(reqs) + "}\n"
            "local i = 0\nlocal id = 0\n"
            "setup = function(thread) id = id + 1; thread:set('id', id) end\n"
            "init = function(args) i = (tonumber(wrk.thread:get('id')) or 1) - 1 end\n"
            "request = function() i = i + 2; return reqs[(i % #reqs) + 1] end\n")


def lua_table(d):
    return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in d.items()) + "}"


def cubicle_calls():
    """DescribeTags, DescribeWorkspaceBundles, CreateWorkspaces batches and the lifecycle storm, on one server."""
    data = os.path.join(WORK, "calls")
    os.makedirs(data)
    users = 400_000
    server = Cubicle(data, "--directories", directories_file(users)).start()
    ws = server.client()
    wid = ws.create_workspaces(Workspaces=[dict(DirectoryId=DIRECTORY, UserName="u0", BundleId=BUNDLE, Tags=[{"Key": "team", "Value": "blue"}])])["PendingRequests"][0]["WorkspaceId"]
    lua = lua_replay(server.url, "WorkspacesService.DescribeTags", json.dumps({"ResourceId": wid}))
    for c in (1, 16):
        record("DescribeTags", "Cubicle", c, wrk(server.url, lua, c))
    lua = lua_replay(server.url, "WorkspacesService.DescribeWorkspaceBundles", '{"Owner": "AMAZON"}')
    for c in (1, 16):
        record("DescribeWorkspaceBundles (Owner AMAZON, 25 a page)", "Cubicle", c, wrk(server.url, lua, c))
    # Batches of 25 distinct users, each committed durably before its answer.
    for c in (1, 16):
        record("CreateWorkspaces, batches of 25", "Cubicle", c, wrk(server.url, creates_script(server.url, c), c, duration=3, warmup=0))
    # Lifecycle storm: 1,000 AVAILABLE workspaces rebooted at once.
    created = []
    for b in range(40):
        created += [w["WorkspaceId"] for w in ws.create_workspaces(
            Workspaces=[dict(DirectoryId=DIRECTORY, UserName=f"u{300000 + b * 25 + i}", BundleId=BUNDLE) for i in range(25)])["PendingRequests"]]
    wait_all(ws, created, "AVAILABLE")
    t0 = time.perf_counter()
    threads = [threading.Thread(target=lambda chunk=created[k:k + 25]: ws.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": i} for i in chunk]))
               for k in range(0, 1000, 25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = time.perf_counter() - t0
    wait_all(ws, created, "AVAILABLE", rebooting_seen=True)
    facts["storm_accept_s"] = accepted
    facts["storm_total_s"] = time.perf_counter() - t0
    log(f"  lifecycle storm: 1,000 reboots accepted in {accepted:.2f} s, all AVAILABLE again after {facts['storm_total_s']:.2f} s")
    server.stop()


def creates_script(url, connections):
    # Users u1..u49999 for one connection, u50000..u249999 for sixteen (the directory holds u0..u399999).
    return creates_lua(url, DIRECTORY, 1, 1900) if connections == 1 else creates_lua(url, DIRECTORY, 50_000, 7900)


def wait_all(ws, ids, state, rebooting_seen=False):
    want = set(ids)
    while True:
        states = {}
        for k in range(0, len(ids), 25):
            for w in ws.describe_workspaces(WorkspaceIds=ids[k:k + 25])["Workspaces"]:
                states[w["WorkspaceId"]] = w["State"]
        if all(states.get(i) == state for i in want):
            return
        time.sleep(0.02)


# ----------------------------------------------------------------------------- report

def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1)) / 1024 / 1024
    dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Linux {platform.release()}, .NET SDK {dotnet}, wrk 4.1 on loopback"


def find(scenario, peer, c):
    for r in results:
        if r[0] == scenario and r[1] == peer and r[2] == c:
            return r
    return None


def spread(scenario, peer, c):
    done = runs.get(f"{scenario} | {peer} | {c}")
    if not done or len(done) < 2:
        return "", ""
    rps = [r["rps"] for r in done]
    return f"{min(rps):,.0f}–{max(rps):,.0f}", f"{min(r['load'] for r in done):.1f}–{max(r['load'] for r in done):.1f}"


def targets_table(dw):
    """The targets of issue 10, from this run's medians."""
    def rps(peer, c=16):
        r = find(dw, peer, c)
        return r[3] if r else None

    def p99(peer, c=16):
        r = find(dw, peer, c)
        return r[5] if r else None
    bare, durable, off = rps("bare Kestrel (same bytes)"), rps("Cubicle"), rps("Cubicle, reads unaudited")
    pg1, pg2 = rps("Cubicle, PostgreSQL, 1 node"), rps("Cubicle, PostgreSQL, 2 nodes")
    rows = ["| target (DescribeWorkspaces Limit 25, 1,000 stored, 16 connections) | this run | met? |", "|---|---|---|"]
    if bare and durable:
        rows.append(f"| SQLite, defaults: ≥ 40% of bare Kestrel | {durable:,.0f} / {bare:,.0f} req/s = {durable / bare:.0%} | "
                    f"{'yes' if durable >= 0.4 * bare else 'no'} |")
    if p99("Cubicle") is not None:
        rows.append(f"| SQLite, defaults: p99 ≤ 5 ms | {p99('Cubicle'):.2f} ms | {'yes' if p99('Cubicle') <= 5 else 'no'} |")
    if durable and off:
        rows.append(f"| durable read audit costs ≤ 20% against `--audit-read-events off` | {durable:,.0f} vs {off:,.0f} req/s: "
                    f"{1 - durable / off:.0%} | {'yes' if durable >= 0.8 * off else 'no'} |")
    if pg1 and durable:
        rows.append(f"| PostgreSQL, one node: ≥ 50% of SQLite's throughput | {pg1:,.0f} vs {durable:,.0f} req/s = "
                    f"{pg1 / durable:.0%} | {'yes' if pg1 >= 0.5 * durable else 'no'} |")
    if pg2 and pg1:
        rows.append(f"| PostgreSQL, two nodes (no target) | {pg2:,.0f} req/s, {pg2 / pg1:.2f}× one node | |")
    return rows


def write_report():
    dw = f"DescribeWorkspaces Limit 25, {SIZES[0]:,} stored"
    lines = ["# Cubicle benchmark results", "",
             f"One run of `bash bench/run.sh` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.",
             f"Machine: {machine()}. Each figure is a wrk run of {DURATION} s after a {WARMUP} s warm-up; the "
             f"DescribeWorkspaces rows at {SIZES[0]:,} stored are the median of {REPEAT} runs (the spread and the machine's "
             "1-minute load average before each run beside them). Cubicle, moto_server and the bare Kestrel app ran in the "
             "same session, one at a time, with wrk on the same 2 cores.", "",
             "Cubicle runs with its defaults (SQLite `synchronous=FULL`, every API call recorded in the durable audit trail), "
             "except throttling (off, so wrk measures the server rather than the per-account limit) and `--transition-seconds 0`. "
             "`Cubicle, reads unaudited` is the same server with `--audit-read-events off`: the API path alone; "
             "`reads buffered` is `--audit-read-events buffered`. The PostgreSQL rows run on a local cluster "
             "(`fsync=on`, `synchronous_commit=on`); with two nodes the connections are split between the two server "
             "processes and p50/p99 are the higher of the two nodes'.", "",
             *targets_table(dw), "",
             "| scenario | peer | conns | req/s | spread (req/s) | load | p50 ms | p99 ms | vs moto | vs bare Kestrel |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (scenario, peer, c, rps, p50, p99) in results:
        m = find(scenario, "moto_server", c)
        b = find(scenario, "bare Kestrel (same bytes)", c)
        vs_moto = f"{rps / m[3]:.1f}×" if m and peer != "moto_server" else ""
        vs_bare = f"{rps / b[3] * 100:.0f}%" if b and peer.startswith("Cubicle") else ""
        sp, ld = spread(scenario, peer, c)
        lines.append(f"| {scenario} | {peer} | {c} | {rps:,.0f} | {sp} | {ld} | {p50:.3f} | {p99:.3f} | {vs_moto} | {vs_bare} |")
    lines += ["", "| measurement | value |", "|---|---|"]
    for n in SIZES:
        lines.append(f"| start-up to first answered request, {n:,} workspaces stored | {facts.get(f'startup_{n}', 0):.2f} s |")
    for n in SIZES:
        lines.append(f"| RSS idle / after load, {n:,} workspaces | {facts.get(f'rss_idle_{n}', 0):.0f} MiB / {facts.get(f'rss_loaded_{n}', 0):.0f} MiB |")
    for n in SIZES:
        lines.append(f"| size on disk per workspace, {n:,} stored | {facts.get(f'disk_per_workspace_{n}', 0):.0f} bytes |")
    lines.append(f"| lifecycle storm: 1,000 reboots accepted / all AVAILABLE again | {facts.get('storm_accept_s', 0):.2f} s / {facts.get('storm_total_s', 0):.2f} s |")
    lines.append(f"| DescribeWorkspaces page (bytes served by both Cubicle and bare Kestrel) | {facts.get('page_bytes', 0):,} |")
    lines += ["", "![page latency against stored workspaces](page-latency.png)", ""]
    with open(os.path.join(HERE, "results-table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({"results": results, "runs": runs, "facts": facts}, f, indent=1)
    plot()


def plot():
    data = os.path.join(WORK, "plot.dat")
    with open(data, "w") as f:
        for n in SIZES:
            row = [n]
            for c in (1, 16):
                r = find(f"DescribeWorkspaces Limit 25, {n:,} stored", "Cubicle", c)
                row += [r[4], r[5]] if r else [0, 0]
            f.write(" ".join(str(x) for x in row) + "\n")
    script = f"""
set terminal png size 900,520 font ",11"
set output "{os.path.join(HERE, 'page-latency.png')}"
set title "Cubicle DescribeWorkspaces (Limit 25): latency against stored workspaces"
set logscale x
set xlabel "workspaces stored"
set ylabel "latency (ms)"
set yrange [0:*]
set key top left
set grid
plot "{data}" using 1:2 with linespoints lw 2 title "p50, 1 connection", \\
     "{data}" using 1:3 with linespoints lw 2 title "p99, 1 connection", \\
     "{data}" using 1:4 with linespoints lw 2 title "p50, 16 connections", \\
     "{data}" using 1:5 with linespoints lw 2 title "p99, 16 connections"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


if __name__ == "__main__":
    log(f"work folder {WORK}")
    holder = {}
    log("== page cost over stored workspaces (Cubicle)")
    page_cost(holder)
    log("== bare Kestrel, same bytes")
    bare_kestrel(holder["page"])
    log("== moto_server")
    moto(SIZES[0])
    log("== other calls (Cubicle)")
    cubicle_calls()
    if POSTGRES != "off":
        log("== PostgreSQL: one node, two nodes")
        postgres_rows()
    write_report()
    shutil.rmtree(WORK, ignore_errors=True)
    log("wrote bench/results-table.md, bench/results.json and bench/page-latency.png")
