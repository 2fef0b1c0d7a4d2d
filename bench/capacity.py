"""Capacity of one desktop host with real desktops (--desktops local): what CreateWorkspaces acknowledges and refuses
with the default oversubscription (--disk-oversubscription 20, --disk-reserve-percent 10, --memory-oversubscription
1.5) and --max-desktops 20, and what idle desktops of each bundle really take (memory, CPU, disk).

Needs root, the desktop packages of the README and a Release build of this checkout (src/Cubicle.Server/bin/Release,
built here when missing; CUBICLE_SERVER_DLL names another). Takes about 5 minutes:

    sudo python3 bench/capacity.py

Environment: CAPACITY_DATA_PARENT (where the fresh data folder is made; default the system's temp folder),
CAPACITY_IDLE_SECONDS (CPU window, default 30), CAPACITY_SETTLE_SECONDS (wait after AVAILABLE before measuring,
default 10), CAPACITY_MEASURE (desktops measured per bundle, default 3), CAPACITY_ONE_REPEAT (times the single
Standard workspace is created and terminated, default 3; the first is the cold one).

Prints a markdown table and writes bench/capacity-results.json (and bench/capacity-server.log, the server's log).

With local desktops the server refuses the dev key test/test (it is allowed only with simulated desktops): the
script gives the server a random root key through CUBICLE_ROOT_ACCESS_KEY_ID / CUBICLE_ROOT_SECRET_ACCESS_KEY and
signs with it.
"""
import base64
import datetime
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DLL = os.environ.get("CUBICLE_SERVER_DLL",
                     os.path.join(ROOT, "src", "Cubicle.Server", "bin", "Release", "net10.0", "Cubicle.Server.dll"))
RESULTS = os.path.join(HERE, "capacity-results.json")
SERVER_LOG = os.path.join(HERE, "capacity-server.log")
DIRECTORY = "d-926722edaf"
# Distinctive names: a desktop of this run is told apart from other servers' on the host by its Xvnc's -desktop.
USER_PREFIX = "capbench"
USERS = [f"{USER_PREFIX}{i:02d}" for i in range(1, 31)]
ONE_REPEAT = int(os.environ.get("CAPACITY_ONE_REPEAT", "3"))
MAX_DESKTOPS = 20
POLL = 0.1
IDLE_SECONDS = float(os.environ.get("CAPACITY_IDLE_SECONDS", "30"))
SETTLE_SECONDS = float(os.environ.get("CAPACITY_SETTLE_SECONDS", "10"))
MEASURE = int(os.environ.get("CAPACITY_MEASURE", "3"))
AVAILABLE_TIMEOUT = 300    # per batch of desktops
TERMINATE_TIMEOUT = 180
BUNDLE_IDS = {"Value": "wsb-al2val01", "Standard": "wsb-al2std01", "Performance": "wsb-al2prf01",
              "Power": "wsb-al2pwr01", "PowerPro": "wsb-al2pwp01"}
BUNDLE_NAMES = list(BUNDLE_IDS)
GIB = 1 << 30
MIB = 1 << 20
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
T_START = time.time()


def log(*a):
    print(f"[{time.time() - T_START:7.1f}s]", *a, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(*cmd, check=False):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{cmd}: {r.stderr}")
    return r.stdout


def loadavg():
    return float(open("/proc/loadavg").read().split()[0])


def meminfo():
    out = {}
    for line in open("/proc/meminfo"):
        k, v = line.split(":", 1)
        out[k] = int(v.split()[0]) * 1024
    return out


# ----------------------------------------------------------------------------- the server

class Server:
    def __init__(self, data):
        self.data = data
        self.key = "AKIA" + os.urandom(8).hex().upper()
        self.secret = base64.b64encode(os.urandom(30)).decode()
        self.env = dict(os.environ, CUBICLE_ROOT_ACCESS_KEY_ID=self.key, CUBICLE_ROOT_SECRET_ACCESS_KEY=self.secret)
        self.env.pop("AWS_PROFILE", None)
        self.proc = None
        self.log_path = os.path.join(data, "server.log")
        self.dirs = os.path.join(data, "directories.json")
        with open(self.dirs, "w") as f:
            json.dump({"Directories": [{
                "DirectoryId": DIRECTORY, "DirectoryName": "corp.example.com", "Alias": "corp-capacity",
                "DirectoryType": "SIMPLE_AD", "CustomerUserName": "Administrator",
                "SubnetIds": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], "DnsIpAddresses": ["10.10.0.10", "10.78.0.10"],
                "Users": USERS}]}, f)

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["--urls", self.url, "--data", self.data, "--desktops", "local",
                     "--max-desktops", str(MAX_DESKTOPS), "--directories", self.dirs]
        self._log = open(self.log_path, "a")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(["dotnet", DLL, *self.args], stdout=self._log, stderr=subprocess.STDOUT,
                                     env=self.env)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("server did not become healthy:\n" + self.log_tail())
        self.startup = time.perf_counter() - t0
        cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False,
                     read_timeout=120, max_pool_connections=8)
        self.ws = boto3.client("workspaces", endpoint_url=self.url, region_name="us-east-1",
                               aws_access_key_id=self.key, aws_secret_access_key=self.secret, config=cfg)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(45)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=4000):
        return self.log_text()[-n:]

    def log_lines(self, *needles):
        return [l for l in self.log_text().splitlines() if any(n in l for n in needles)]

    def host_row(self):
        """The server's own capacity row (hosts table, read-only)."""
        try:
            with sqlite3.connect(f"file:{os.path.join(self.data, 'cubicle.db')}?mode=ro", uri=True) as db:
                db.row_factory = sqlite3.Row
                rows = [dict(r) for r in db.execute("SELECT * FROM hosts")]
            return rows[0] if rows else None
        except sqlite3.Error as e:
            return {"error": str(e)}


# ----------------------------------------------------------------------------- API helpers

class Calls:
    """The API calls, each answer's failures (5xx, unexpected errors) kept for the report."""

    def __init__(self, server):
        self.server = server
        self.errors = []

    def call(self, name, **params):
        try:
            return getattr(self.server.ws, name)(**params)
        except ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            err = {"at": round(time.time() - T_START, 1), "call": name, "status": status,
                   "code": e.response.get("Error", {}).get("Code"), "message": e.response.get("Error", {}).get("Message")}
            self.errors.append(err)
            log("API error:", err)
            raise

    def create(self, requests):
        return self.call("create_workspaces", Workspaces=requests)

    def describe(self, ids):
        found = {}
        ids = list(ids)
        for i in range(0, len(ids), 25):
            for w in self.call("describe_workspaces", WorkspaceIds=ids[i:i + 25])["Workspaces"]:
                found[w["WorkspaceId"]] = w
        return found

    def all_live(self):
        out, token = [], None
        while True:
            r = self.call("describe_workspaces", **({"NextToken": token} if token else {}))
            out += [w for w in r["Workspaces"] if w["State"] != "TERMINATED"]
            token = r.get("NextToken")
            if not token:
                return out

    def bundles(self):
        out, token = [], None
        while True:
            r = self.call("describe_workspace_bundles", Owner="AMAZON", **({"NextToken": token} if token else {}))
            out += r["Bundles"]
            token = r.get("NextToken")
            if not token:
                return out


def request(bundle, user):
    return {"DirectoryId": DIRECTORY, "UserName": user, "BundleId": bundle,
            "WorkspaceProperties": {"RunningMode": "ALWAYS_ON"}}


def resource_of(message):
    m = re.search(r"\((desktops|memory|disk):", message or "")
    return m.group(1) if m else None


def wait_states(calls, ids, targets, timeout, t0=None):
    """Polls every POLL s until every id is in one of the target states (or ERROR, or gone); returns
    {id: (state, seconds since t0 when first seen there)} and whether all got there."""
    t0 = t0 or time.perf_counter()
    pending, reached, last = set(ids), {}, {}
    deadline = time.perf_counter() + timeout
    while pending and time.perf_counter() < deadline:
        try:
            found = calls.describe(pending)
        except ClientError:
            time.sleep(POLL)
            continue
        now = time.perf_counter() - t0
        for i in list(pending):
            state = found[i]["State"] if i in found else "GONE"
            last[i] = state
            if state in targets or state == "ERROR" or (state == "GONE" and "TERMINATED" in targets):
                reached[i] = (state, now)
                pending.discard(i)
        if pending:
            time.sleep(POLL)
    for i in pending:
        reached[i] = (last.get(i, "UNKNOWN"), None)
    return reached, not pending


def terminate(calls, ids):
    ids = list(ids)
    if not ids:
        return {}, True, 0.0
    t0 = time.perf_counter()
    for i in range(0, len(ids), 25):
        r = calls.call("terminate_workspaces",
                       TerminateWorkspaceRequests=[{"WorkspaceId": w} for w in ids[i:i + 25]])
        if r.get("FailedRequests"):
            log("terminate refused:", r["FailedRequests"])
    reached, ok = wait_states(calls, ids, {"TERMINATED"}, TERMINATE_TIMEOUT, t0)
    return reached, ok, time.perf_counter() - t0


def terminate_everything(calls):
    live = [w["WorkspaceId"] for w in calls.all_live()]
    reached, ok, secs = terminate(calls, live)
    if not ok:
        log("not TERMINATED in time:", {k: v for k, v in reached.items() if v[0] not in ("TERMINATED", "GONE")})
    return ok


def error_report(calls, server, ids):
    """For workspaces in ERROR: their error fields and every log line naming them."""
    out = []
    found = calls.describe(ids)
    for i in ids:
        w = found.get(i, {})
        out.append({"WorkspaceId": i, "State": w.get("State"), "ErrorCode": w.get("ErrorCode"),
                    "ErrorMessage": w.get("ErrorMessage"), "log": server.log_lines(i)[-20:]})
    return out


# ----------------------------------------------------------------------------- host measurements

def account_of(workspace_id):
    return "cub-" + workspace_id[3:min(len(workspace_id), 31)]


def cgroup_dir(workspace_id, controller="memory"):
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        return f"/sys/fs/cgroup/cubicle/{workspace_id}"
    return f"/sys/fs/cgroup/{controller}/cubicle/{workspace_id}"


def session_pids(workspace_id):
    """Every process of the desktop: those running as its account, and those in its cgroup (bwrap, the launcher)."""
    pids = set()
    out = subprocess.run(["ps", "-u", account_of(workspace_id), "-o", "pid="], capture_output=True, text=True).stdout
    pids |= {int(p) for p in out.split()}
    try:
        with open(os.path.join(cgroup_dir(workspace_id), "cgroup.procs")) as f:
            pids |= {int(p) for p in f.read().split()}
    except OSError:
        pass
    return pids


def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            m = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
            return int(m.group(1)) * 1024 if m else 0
    except OSError:
        return 0


def rss(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except OSError:
        return 0


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        return int(fields[11]) + int(fields[12])   # utime, stime (fields 14, 15)
    except (OSError, ValueError, IndexError):
        return None


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def cgroup_memory(workspace_id):
    d = cgroup_dir(workspace_id)
    try:
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            usage = int(open(f"{d}/memory.current").read())
            limit = open(f"{d}/memory.max").read().strip()
        else:
            usage = int(open(f"{d}/memory.usage_in_bytes").read())
            limit = open(f"{d}/memory.limit_in_bytes").read().strip()
        stat = dict(l.split() for l in open(f"{d}/memory.stat"))
        return {"usage": usage, "limit": int(limit) if limit.isdigit() else limit,
                "rss": int(stat.get("rss", stat.get("anon", 0))), "cache": int(stat.get("cache", stat.get("file", 0)))}
    except OSError:
        return None


def volume_of(data, workspace_id):
    img = os.path.join(data, "desktops", "volumes", workspace_id + ".img")
    try:
        allocated = int(sh("du", "-B1", img).split()[0])
        header = sh("dumpe2fs", "-h", img)
        m = re.search(r"^(?:Total j|J)ournal size:\s+(\S+)", header, re.M)
        return {"path": img, "allocated": allocated, "apparent": os.path.getsize(img),
                "journal_size": m.group(1) if m else None}
    except (IndexError, ValueError, OSError):
        return {"path": img, "allocated": None, "apparent": None, "journal_size": None}


def measure_idle(data, ids):
    """Memory (Pss summed over the session's processes, and the cgroup's charge) now, then CPU over IDLE_SECONDS
    (utime+stime deltas; a process that appears meanwhile counts whole), and the volume's allocation."""
    before = {}
    out = {}
    for i in ids:
        pids = session_pids(i)
        out[i] = {"account": account_of(i), "processes": sorted({comm(p) for p in pids}), "process_count": len(pids),
                  "pss_bytes": sum(pss(p) for p in pids), "rss_bytes": sum(rss(p) for p in pids),
                  "cgroup_memory": cgroup_memory(i), "volume": volume_of(data, i)}
        before[i] = {p: cpu_ticks(p) for p in pids}
    t0 = time.perf_counter()
    time.sleep(IDLE_SECONDS)
    window = time.perf_counter() - t0
    for i in ids:
        ticks, by_comm = 0, {}
        for p in session_pids(i):
            now = cpu_ticks(p)
            if now is None:
                continue
            was = before[i].get(p)
            delta = now - (was if was is not None else 0)
            ticks += delta
            by_comm[comm(p)] = by_comm.get(comm(p), 0) + delta / CLK_TCK
        out[i]["cpu_seconds_by_process"] = by_comm
        out[i]["cpu_seconds"] = ticks / CLK_TCK
        out[i]["cpu_window_seconds"] = window
        out[i]["cpu_percent_of_one_core"] = 100 * ticks / CLK_TCK / window
        out[i]["pss_bytes_after"] = sum(pss(p) for p in session_pids(i))
    return out


def host_facts(data):
    mem = meminfo()
    df = sh("df", "-B1", "--output=source,size,used,avail,target", data).splitlines()
    src, size, used, avail, target = df[1].split()
    return {"MemTotal": mem["MemTotal"], "MemAvailable": mem["MemAvailable"], "nproc": int(sh("nproc").strip()),
            "df": {"source": src, "size": int(size), "used": int(used), "avail": int(avail), "mount": target,
                   "raw": "\n".join(df)},
            "loadavg": open("/proc/loadavg").read().strip(), "kernel": os.uname().release,
            "cgroup": "v2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "v1"}


def predicted_fit(host, compute_mib, user_gib):
    """What the stated options let in, from the server's own measurement (hosts row)."""
    if not host or "memory_bytes" not in host or host.get("memory_bytes") is None:
        return None
    mem_limit = int(host["memory_bytes"] * host["memory_ratio"])
    disk = host["disk_bytes"]
    reserve = max(GIB, int(disk * host["disk_reserve_percent"] / 100))
    disk_limit = int(max(0, disk - reserve) * host["disk_ratio"])
    fits = {"desktops": host["capacity"], "memory": mem_limit // (compute_mib * MIB),
            "disk": disk_limit // (user_gib * GIB) if user_gib else None}
    fit = min(v for v in fits.values() if v is not None)
    return {"fit": fit, "by": fits, "first_short": [k for k, v in fits.items() if v == fit],
            "memory_limit_bytes": mem_limit, "disk_limit_bytes": disk_limit}


# ----------------------------------------------------------------------------- leftovers

def leftovers(data, ids):
    """Mounts under the data folder, loop devices on its images, and processes of its workspaces' accounts."""
    mounts = [l for l in sh("findmnt", "-rn", "-o", "TARGET,SOURCE").splitlines() if data in l]
    loops = [l for l in sh("losetup", "-a").splitlines() if data in l]
    procs = {}
    for i in ids:
        pids = session_pids(i)
        if pids:
            procs[i] = sorted(pids)
    accounts = [account_of(i) for i in ids if subprocess.run(["id", "-u", account_of(i)],
                                                             capture_output=True).returncode == 0]
    xvnc = [l.strip() for l in sh("ps", "-eo", "pid,args").splitlines()
            if "Xvnc" in l and re.search(rf"-desktop {USER_PREFIX}\d", l)]
    images = os.listdir(os.path.join(data, "desktops", "volumes")) if os.path.isdir(
        os.path.join(data, "desktops", "volumes")) else []
    return {"mounts": mounts, "loops": loops, "processes": procs, "accounts": accounts, "xvnc": xvnc,
            "volume_images": images}


def force_clean(data, ids, found):
    """Last resort, for what the server left behind: only this run's processes, mounts, loops and accounts."""
    for line in found["xvnc"]:
        found["processes"].setdefault("xvnc", []).append(int(line.split()[0]))
    for i, pids in found["processes"].items():
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    time.sleep(1)
    for line in found["mounts"]:
        subprocess.run(["umount", "-l", line.split()[0]], capture_output=True)
    for line in found["loops"]:
        subprocess.run(["losetup", "-d", line.split(":")[0]], capture_output=True)
    for a in found["accounts"]:
        subprocess.run(["userdel", a], capture_output=True)
    for i in ids:
        for c in ("memory", "cpu", "pids"):
            d = cgroup_dir(i, c)
            if os.path.isdir(d):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


# ----------------------------------------------------------------------------- the scenarios

def host_after(server, ids):
    """What this run's terminated workspaces still hold on the host (nothing, when termination cleaned up)."""
    found = leftovers(server.data, ids)
    return {k: v for k, v in found.items() if v}


def scenario_one(calls, server, out, seen):
    """One Standard workspace to AVAILABLE, then TERMINATED; ONE_REPEAT times (the first is the cold one)."""
    runs = []
    for n in range(ONE_REPEAT):
        log(f"1. one Standard workspace (run {n + 1} of {ONE_REPEAT})")
        load = loadavg()
        t0 = time.perf_counter()
        r = calls.create([request("wsb-al2std01", USERS[n])])
        call_s = time.perf_counter() - t0
        if r["FailedRequests"]:
            runs.append({"refused": r["FailedRequests"]})
            continue
        wid = r["PendingRequests"][0]["WorkspaceId"]
        seen.add(wid)
        reached, ok = wait_states(calls, [wid], {"AVAILABLE"}, AVAILABLE_TIMEOUT, t0)
        state, secs = reached[wid]
        log(f"   {wid}: {state} after {secs}s")
        ready_ms = [int(m) for m in re.findall(rf"The desktop of {wid} answered in (\d+) ms", server.log_text())]
        errors = error_report(calls, server, [wid]) if state != "AVAILABLE" else []
        terminated, tok, tsecs = terminate(calls, [wid])
        log(f"   terminated: {terminated[wid]} in {tsecs:.1f}s")
        runs.append({"WorkspaceId": wid, "loadavg_before": load, "create_call_seconds": call_s, "state": state,
                     "seconds_to_available": secs, "desktop_answered_ms_server_log": ready_ms,
                     "terminate_state": terminated[wid][0], "seconds_to_terminated": tsecs, "errors": errors,
                     "host_after_terminate": host_after(server, [wid])})
    out["one"] = {"runs": runs}


def scenario_twenty(calls, server, out, seen):
    log("2. twenty Standard workspaces in one CreateWorkspaces call")
    users = USERS[ONE_REPEAT:ONE_REPEAT + 20]
    load = loadavg()
    t0 = time.perf_counter()
    r = calls.create([request("wsb-al2std01", u) for u in users])
    call_s = time.perf_counter() - t0
    acked = [p["WorkspaceId"] for p in r["PendingRequests"]]
    seen.update(acked)
    failed = [{"UserName": f["WorkspaceRequest"]["UserName"], "ErrorCode": f.get("ErrorCode"),
               "ErrorMessage": f.get("ErrorMessage")} for f in r["FailedRequests"]]
    log(f"   acknowledged {len(acked)}, refused {len(failed)} (call {call_s:.2f}s)")
    reached, ok = wait_states(calls, acked, {"AVAILABLE"}, AVAILABLE_TIMEOUT, t0)
    final = calls.describe(acked)
    errors = [i for i, (s, _) in reached.items() if s != "AVAILABLE"]
    times = [t for s, t in reached.values() if s == "AVAILABLE"]
    log(f"   all acknowledged AVAILABLE after {max(times) if times else None}s; not AVAILABLE: {errors}")
    host_mem = meminfo()
    out["twenty"] = {
        "loadavg_before": load, "create_call_seconds": call_s, "acknowledged": len(acked), "refused": len(failed),
        "refusals": failed, "refusal_codes": sorted({f["ErrorCode"] for f in failed}),
        "refused_by": sorted({resource_of(f["ErrorMessage"]) or "?" for f in failed}),
        "seconds_to_all_available": max(times) if times and not errors else None,
        "seconds_to_available_each": {i: t for i, (s, t) in reached.items()},
        "seconds_to_first_available": min(times) if times else None,
        "final_states": {i: final.get(i, {}).get("State", "GONE") for i in acked},
        "not_available": error_report(calls, server, errors) if errors else [],
        "host_mem_available_with_them": host_mem["MemAvailable"],
    }
    _, tok, tsecs = terminate(calls, acked)
    out["twenty"]["seconds_to_terminate_all"] = tsecs
    out["twenty"]["host_after_terminate"] = host_after(server, acked)
    log(f"   terminated in {tsecs:.1f}s")


def scenario_bundle(calls, server, out, seen, name, bundle, compute_mib, user_gib):
    log(f"3. {name} ({bundle}): one per call until refused")
    if calls.all_live():
        terminate_everything(calls)
    host = server.host_row()
    acked, refusal, users = [], None, iter(USERS)
    result_load = loadavg()
    t0 = time.perf_counter()
    for attempt in range(MAX_DESKTOPS + 1):
        r = calls.create([request(bundle, next(users))])
        if r["FailedRequests"]:
            f = r["FailedRequests"][0]
            refusal = {"after": len(acked), "ErrorCode": f.get("ErrorCode"), "ErrorMessage": f.get("ErrorMessage"),
                       "resource": resource_of(f.get("ErrorMessage"))}
            break
        acked.append(r["PendingRequests"][0]["WorkspaceId"])
        seen.add(acked[-1])
    create_s = time.perf_counter() - t0
    log(f"   fit {len(acked)}; refused: {refusal}")
    reached, ok = wait_states(calls, acked, {"AVAILABLE"}, AVAILABLE_TIMEOUT, t0)
    not_ok = [i for i, (s, _) in reached.items() if s != "AVAILABLE"]
    times = [t for s, t in reached.values() if s == "AVAILABLE"]
    log(f"   AVAILABLE: {len(times)} of {len(acked)} after {max(times) if times else None}s; not: {not_ok}")
    result = {"bundle": bundle, "compute_mib": compute_mib, "user_volume_gib": user_gib, "fit": len(acked),
              "refusal": refusal, "predicted": predicted_fit(host, compute_mib, user_gib),
              "loadavg_before": result_load, "create_calls_seconds": create_s, "seconds_to_all_available": max(times) if times and not not_ok else None,
              "not_available": error_report(calls, server, not_ok) if not_ok else [],
              "host_mem_available_with_them": None, "measured": {}}
    running = [i for i in acked if reached[i][0] == "AVAILABLE"][:MEASURE]
    if running:
        time.sleep(SETTLE_SECONDS)
        result["host_mem_available_with_them"] = meminfo()["MemAvailable"]
        result["loadavg_before_idle"] = loadavg()
        result["measured"] = measure_idle(server.data, running)
        m = result["measured"].values()
        result["pss_mib_mean"] = sum(x["pss_bytes"] for x in m) / len(m) / MIB
        result["cpu_percent_mean"] = sum(x["cpu_percent_of_one_core"] for x in m) / len(m)
        result["volume_mib_mean"] = sum((x["volume"]["allocated"] or 0) for x in m) / len(m) / MIB
        log(f"   idle: Pss {result['pss_mib_mean']:.1f} MiB, CPU {result['cpu_percent_mean']:.2f}% of a core, "
            f"volume {result['volume_mib_mean']:.1f} MiB allocated")
    _, tok, tsecs = terminate(calls, acked)
    result["seconds_to_terminate_all"] = tsecs
    result["host_after_terminate"] = host_after(server, acked)
    out["bundles"][name] = result


# ----------------------------------------------------------------------------- report

def fmt_s(v):
    return "—" if v is None else f"{v:.1f} s"


def mib_list(values):
    return ", ".join(f"{v / MIB:.0f}" for v in values) or "—"


def table(res):
    h = res["host"]
    lines = [f"Host: {h['nproc']} cores, MemTotal {h['MemTotal'] / GIB:.1f} GiB ({h['MemTotal']} B), data folder on "
             f"{h['df']['source']} ({h['df']['mount']}): df size {h['df']['size'] / GIB:.1f} GiB, avail "
             f"{h['df']['avail'] / GIB:.1f} GiB; cgroup {h['cgroup']}; load average at start {h['loadavg'].split()[0]}. "
             f"Server: `--desktops local --max-desktops {MAX_DESKTOPS}`, default oversubscription; RunningMode "
             f"ALWAYS_ON; polling every {POLL} s.", ""]
    sr = res.get("server_capacity_row") or {}
    if sr.get("memory_bytes"):
        reserve = max(GIB, sr["disk_bytes"] * sr["disk_reserve_percent"] / 100)
        lines += [f"Server's own capacity row: memory {sr['memory_bytes'] / GIB:.1f} GiB x {sr['memory_ratio']:g} = "
                  f"{sr['memory_bytes'] * sr['memory_ratio'] / GIB:.1f} GiB promisable; disk {sr['disk_bytes'] / GIB:.1f} "
                  f"GiB (desktops' files + free), reserve {reserve / GIB:.1f} GiB, x {sr['disk_ratio']:g} = "
                  f"{(sr['disk_bytes'] - reserve) * sr['disk_ratio'] / GIB:.0f} GiB of volumes promisable; "
                  f"max desktops {sr['capacity']}.", ""]
    lines += ["| measurement | result |", "|---|---|"]
    for n, one in enumerate(res.get("one", {}).get("runs", [])):
        if "refused" in one:
            lines.append(f"| 1 Standard, run {n + 1} | refused: {one['refused']} |")
            continue
        lines.append(f"| 1 Standard, run {n + 1}{' (cold)' if n == 0 else ''}: CreateWorkspaces → AVAILABLE / "
                     f"Terminate → TERMINATED | {fmt_s(one['seconds_to_available'])} ({one['state']}; RFB answered "
                     f"after {', '.join(map(str, one['desktop_answered_ms_server_log']))} ms per server log) / "
                     f"{fmt_s(one['seconds_to_terminated'])} |")
    tw = res.get("twenty")
    if tw:
        states = {}
        for st in tw["final_states"].values():
            states[st] = states.get(st, 0) + 1
        lines.append(f"| 20 Standard in one call: acknowledged / refused at the call | {tw['acknowledged']} / "
                     f"{tw['refused']} ({', '.join(tw['refusal_codes']) or '—'}, by {', '.join(tw['refused_by']) or '—'}; "
                     f"call took {tw['create_call_seconds']:.2f} s) |")
        lines.append(f"| 20 Standard: first / last acknowledged AVAILABLE | {fmt_s(tw['seconds_to_first_available'])} / "
                     f"{fmt_s(tw['seconds_to_all_available'])} |")
        lines.append(f"| 20 Standard: final states of the acknowledged | "
                     f"{', '.join(f'{k} {v}' for k, v in sorted(states.items()))}; not AVAILABLE: "
                     f"{len(tw['not_available'])} |")
        if tw["refusals"]:
            lines.append(f"| 20 Standard: refusal message (all {tw['refused']} alike: "
                         f"{len({f['ErrorMessage'] for f in tw['refusals']}) == 1}) | {tw['refusals'][0]['ErrorMessage']} |")
        lines.append(f"| 20 Standard: TerminateWorkspaces → all TERMINATED | {fmt_s(tw.get('seconds_to_terminate_all'))} |")
    lines += ["", "| bundle | compute MiB / volume GiB | fit | predicted (desktops / memory / disk) | refused by "
              f"| all AVAILABLE | idle Pss MiB (start → after {IDLE_SECONDS:g} s) | RSS MiB | cgroup charge MiB | idle CPU % "
              f"of a core ({IDLE_SECONDS:g} s) | volume allocated MiB (journal) |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, b in res.get("bundles", {}).items():
        pred = b.get("predicted") or {}
        by = pred.get("by", {})
        ref = b.get("refusal") or {}
        m = list((b.get("measured") or {}).values())
        pss = ", ".join(f"{x['pss_bytes'] / MIB:.0f}→{x['pss_bytes_after'] / MIB:.0f}" for x in m) or "—"
        cg = mib_list([(x.get("cgroup_memory") or {}).get("usage", 0) for x in m])
        cpu = ", ".join(f"{x['cpu_percent_of_one_core']:.2f}" for x in m) or "—"
        vols = mib_list([x["volume"]["allocated"] or 0 for x in m])
        journal = {x["volume"].get("journal_size") for x in m} - {None}
        lines.append(
            f"| {name} `{b['bundle']}` | {b['compute_mib']} / {b['user_volume_gib']} | **{b['fit']}** | {pred.get('fit', '?')} "
            f"({by.get('desktops')} / {by.get('memory')} / {by.get('disk')}) | "
            f"{ref.get('resource') or '—'} ({ref.get('ErrorCode') or 'no refusal'}) | "
            f"{fmt_s(b.get('seconds_to_all_available'))}"
            f"{' NOT AVAILABLE: ' + str(len(b['not_available'])) if b['not_available'] else ''} | {pss} | "
            f"{mib_list([x['rss_bytes'] for x in m])} | {cg} | {cpu} | {vols} ({', '.join(sorted(journal)) or '?'}) |")
    lines.append("")
    lines.append(f"Idle figures are for {res['options']['measured_per_bundle']} desktops per bundle at most (fewer when "
                 "fewer fit), measured together while all that fit ran; Pss shares pages with every process mapping "
                 "them on the host, other servers' desktops included.")
    lines.append("")
    for name, b in res.get("bundles", {}).items():
        if b.get("refusal"):
            lines.append(f"- {name}, refusal after {b['fit']}: {b['refusal']['ErrorMessage']}")
    lines.append(f"- API errors (5xx or unexpected): {len(res.get('api_errors', []))}"
                 + (f": {res['api_errors']}" if res.get("api_errors") else ""))
    lines.append(f"- Server log lines at warning or above: {len(res.get('server_error_lines', [])) + len(res.get('server_warning_lines', []))}")
    lf = res.get("leftovers_after_cleanup", {})
    lines.append(f"- This run's leftovers after cleanup: mounts {len(lf.get('mounts', []))}, loop devices "
                 f"{len(lf.get('loops', []))}, processes {sum(len(v) for v in lf.get('processes', {}).values())}, "
                 f"Xvnc {len(lf.get('xvnc', []))}, accounts {len(lf.get('accounts', []))}, volume images "
                 f"{len(lf.get('volume_images', []))}; forced cleanup needed: {bool(res.get('leftovers_forced'))}. "
                 f"Other servers' desktops on the host at the end (not this run's): "
                 f"{len(res.get('desktop_mounts_after', []))} mounts, {len(res.get('xvnc_processes_after', []))} Xvnc.")
    return "\n".join(lines)


def main():
    if os.geteuid() != 0:
        sys.exit("local desktops need root")
    if not os.path.exists(DLL):
        log("building", DLL)
        subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Cubicle.Server")], check=True,
                       stdout=subprocess.DEVNULL)
    data = tempfile.mkdtemp(prefix="cubicle-capacity-", dir=os.environ.get("CAPACITY_DATA_PARENT"))
    res = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "commit": sh("git", "-C", ROOT, "rev-parse", "HEAD").strip(), "data": data,
           "options": {"max_desktops": MAX_DESKTOPS, "disk_oversubscription": 20, "disk_reserve_percent": 10,
                       "memory_oversubscription": 1.5, "running_mode": "ALWAYS_ON", "poll_seconds": POLL,
                       "idle_seconds": IDLE_SECONDS, "settle_seconds": SETTLE_SECONDS, "measured_per_bundle": MEASURE},
           "bundles": {}}
    res["host"] = host_facts(data)
    res["preexisting_desktop_mounts"] = [l for l in sh("findmnt", "-rn", "-o", "TARGET,SOURCE").splitlines()
                                         if "/desktops/" in l]
    server = Server(data)
    calls = Calls(server)
    seen = set()
    try:
        server.start()
        res["server_args"] = server.args
        res["server_startup_seconds"] = server.startup
        log(f"server up in {server.startup:.1f}s at {server.url}, data {data}")
        # The first heartbeat records the capacity; wait for it.
        for _ in range(100):
            row = server.host_row()
            if row and row.get("memory_bytes"):
                break
            time.sleep(0.1)
        res["server_capacity_row"] = server.host_row()
        found = {b["BundleId"]: b for b in calls.bundles()}
        res["bundle_catalog"] = {k: {"Name": v.get("Name"), "Compute": v.get("ComputeType", {}).get("Name"),
                                     "UserGiB": v.get("UserStorage", {}).get("Capacity")} for k, v in found.items()}
        scenario_one(calls, server, res, seen)
        scenario_twenty(calls, server, res, seen)
        compute_mib = {"VALUE": 2048, "STANDARD": 4096, "PERFORMANCE": 8192, "POWER": 16384, "POWERPRO": 32768}
        for name in BUNDLE_NAMES:
            bundle = BUNDLE_IDS[name]
            if bundle not in found:
                # Find it by name among Amazon Linux bundles instead.
                cands = [k for k, v in found.items() if v.get("ComputeType", {}).get("Name", "").upper() == name.upper()
                         and k.startswith("wsb-al2")]
                if not cands:
                    log(f"no {name} bundle in the catalog")
                    continue
                bundle = cands[0]
            b = found[bundle]
            scenario_bundle(calls, server, res, seen, name, bundle, compute_mib[b["ComputeType"]["Name"].upper()],
                            int(b["UserStorage"]["Capacity"]))
    except Exception as e:
        res["failure"] = f"{type(e).__name__}: {e}"
        log("FAILED:", res["failure"])
        raise
    finally:
        log("cleanup")
        try:
            if server.proc and server.proc.poll() is None:
                res["cleanup_terminated_all"] = terminate_everything(calls)
        except Exception as e:
            res["cleanup_error"] = repr(e)
        res["api_errors"] = calls.errors
        res["server_error_lines"] = server.log_lines(" fail: ", " crit: ", "Unhandled exception")[-50:]
        res["server_warning_lines"] = server.log_lines(" warn: ")[-50:]
        res["leftovers_before_server_stop"] = leftovers(data, seen)
        server.stop()
        res["server_exit_code"] = server.proc.returncode if server.proc else None
        found = leftovers(data, seen)
        if any(found.values()):
            log("leftovers; removing them:", found)
            res["leftovers_forced"] = found
            force_clean(data, seen, found)
        res["leftovers_after_cleanup"] = leftovers(data, seen)
        res["xvnc_processes_after"] = [l.strip() for l in sh("ps", "-eo", "pid,user,args").splitlines()
                                       if re.search(r"^\s*\d+\s+\S+\s+Xvnc ", l)]
        res["desktop_mounts_after"] = [l for l in sh("findmnt", "-rn", "-o", "TARGET,SOURCE").splitlines()
                                       if "/desktops/" in l]
        shutil.copyfile(server.log_path, SERVER_LOG) if os.path.exists(server.log_path) else None
        shutil.rmtree(data, ignore_errors=True)
        res["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        res["total_seconds"] = time.time() - T_START
        with open(RESULTS, "w") as f:
            json.dump(res, f, indent=2, default=str)
        print()
        print(table(res))
        print(f"\nWrote {RESULTS} and {SERVER_LOG} in {res['total_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
