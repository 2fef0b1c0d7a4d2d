"""Capacity of one desktop host with real desktops (--desktops local), the default oversubscription (disk 20, disk
reserve 10%, memory 1.5) and --max-desktops 20: time to AVAILABLE of one Standard workspace (cold, then warm) and of 20
in one call, and per bundle how many CreateWorkspaces acknowledges and what idle ones take (memory, CPU, disk).
    sudo python3 bench/capacity.py      # root and the README's desktop packages; about 5 minutes
It runs this checkout's Release build (built when missing; CUBICLE_SERVER_DLL names another) on a fresh data folder
under CAPACITY_DATA_PARENT, writes bench/capacity-results.json and copies the server's log to a temporary folder."""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# bench/ has a harness.py of its own; the clients' one (a server on a free port, its log, boto3) must win.
sys.path.insert(0, os.path.join(ROOT, "tests", "clients", "python"))
import harness  # noqa: E402
RESULTS, DIRECTORY = os.path.join(HERE, "capacity-results.json"), harness.DEMO_DIRECTORY
# Local desktops refuse the dev key test/test: the server gets a random root key.
KEY, SECRET = "AKIA" + os.urandom(8).hex().upper(), base64.b64encode(os.urandom(30)).decode()
# Distinctive names: a desktop of this run is told apart from other servers' on the host by its Xvnc's -desktop.
USER_PREFIX, USERS = "capbench", [f"capbench{i:02d}" for i in range(1, 31)]
ONE_REPEAT = int(os.environ.get("CAPACITY_ONE_REPEAT", "3"))   # single Standard runs; the first is the cold one
IDLE_SECONDS = float(os.environ.get("CAPACITY_IDLE_SECONDS", "30"))   # the CPU window
SETTLE_SECONDS = float(os.environ.get("CAPACITY_SETTLE_SECONDS", "10"))   # after AVAILABLE, before measuring
MEASURE = int(os.environ.get("CAPACITY_MEASURE", "3"))   # desktops measured per bundle
MAX_DESKTOPS, POLL, AVAILABLE_TIMEOUT, TERMINATE_TIMEOUT = 20, 0.1, 300, 180   # timeouts per batch of desktops
BUNDLE_IDS = {"Value": "wsb-al2val01", "Standard": "wsb-al2std01", "Performance": "wsb-al2prf01",
              "Power": "wsb-al2pwr01", "PowerPro": "wsb-al2pwp01"}
ALWAYS_ON = {"RunningMode": "ALWAYS_ON"}
COMPUTE_MIB = {"VALUE": 2048, "STANDARD": 4096, "PERFORMANCE": 8192, "POWER": 16384, "POWERPRO": 32768}
GIB, MIB, CLK_TCK, PAGE = 1 << 30, 1 << 20, os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
CGROUP_V2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
T_START = time.time()


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def log(*a): print(f"[{time.time() - T_START:7.1f}s]", *a, flush=True)
def sh(*cmd): return subprocess.run(cmd, capture_output=True, text=True).stdout
def grep(text, *needles): return [line.strip() for line in text.splitlines() if any(n in line for n in needles)]
def mounts(needle): return grep(sh("findmnt", "-rn", "-o", "TARGET,SOURCE"), needle)
def loadavg(): return float(read("/proc/loadavg").split()[0])
def meminfo(key): return int(grep(read("/proc/meminfo"), key + ":")[0].split()[1]) * 1024
def resource_of(message): return next(iter(re.findall(r"\((desktops|memory|disk):", message or "")), None)
def utc_now(): return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
def account(wid): return "cub-" + wid[3:31]
def cgroup(wid, controller="memory"): return f"/sys/fs/cgroup/{'' if CGROUP_V2 else controller + '/'}cubicle/{wid}"
def secs(v): return "—" if v is None else f"{v:.1f} s"
def mibs(values): return ", ".join(f"{v / MIB:.0f}" for v in values) or "—"


def proc(pid):   # name, Pss, RSS and CPU ticks (utime + stime: stat fields 14 and 15; None once it is gone)
    name, smaps, statm, stat = (read(f"/proc/{pid}/{f}") for f in ("comm", "smaps_rollup", "statm", "stat"))
    pss = re.search(r"^Pss:\s+(\d+) kB", smaps, re.M)
    ticks = sum(map(int, stat[stat.rindex(")") + 2:].split()[11:13])) if ")" in stat else None
    rss = int(statm.split()[1]) * PAGE if statm else 0
    return name.strip() or "?", int(pss.group(1)) * 1024 if pss else 0, rss, ticks


def predicted_fit(row, compute_mib, user_gib):   # what the stated options let in, by the server's own measurement
    mem_limit = int(row["memory_bytes"] * row["memory_ratio"])
    reserve = max(GIB, int(row["disk_bytes"] * row["disk_reserve_percent"] / 100))
    disk_limit = int(max(0, row["disk_bytes"] - reserve) * row["disk_ratio"])
    fits = {"desktops": row["capacity"], "memory": mem_limit // (compute_mib * MIB),
            "disk": disk_limit // (user_gib * GIB) if user_gib else None}
    fit = min(v for v in fits.values() if v is not None)
    return {"fit": fit, "by": fits, "first_short": [k for k, v in fits.items() if v == fit],
            "memory_limit_bytes": mem_limit, "disk_limit_bytes": disk_limit}


class Host:   # the host as this run's desktops use it: processes, memory, CPU, volumes, mounts, accounts
    def __init__(self, data):
        self.data, self.volumes = data, os.path.join(data, "desktops", "volumes")

    def facts(self):
        df = sh("df", "-B1", "--output=source,size,used,avail,target", self.data).splitlines()
        src, size, used, avail, target = df[1].split()
        return {"MemTotal": meminfo("MemTotal"), "MemAvailable": meminfo("MemAvailable"), "nproc": int(sh("nproc")),
                "df": {"source": src, "size": int(size), "used": int(used), "avail": int(avail), "mount": target,
                       "raw": "\n".join(df)}, "loadavg": read("/proc/loadavg").strip(), "kernel": os.uname().release,
                "cgroup": "v2" if CGROUP_V2 else "v1"}

    def pids(self, wid):   # those running as the desktop's account, and those in its cgroup (bwrap, the launcher)
        return {int(p) for p in sh("ps", "-u", account(wid), "-o", "pid=").split()
                + read(cgroup(wid) + "/cgroup.procs").split()}

    def cgroup_memory(self, wid):
        files = ("memory.current", "memory.max") if CGROUP_V2 else ("memory.usage_in_bytes", "memory.limit_in_bytes")
        usage, limit, stat = (read(f"{cgroup(wid)}/{f}").strip() for f in (*files, "memory.stat"))
        if "" in (usage, limit, stat):
            return None
        stat = dict(line.split() for line in stat.splitlines())
        return {"usage": int(usage), "limit": int(limit) if limit.isdigit() else limit,
                "rss": int(stat.get("rss", stat.get("anon", 0))), "cache": int(stat.get("cache", stat.get("file", 0)))}

    def volume(self, wid):
        img = os.path.join(self.volumes, wid + ".img")
        du = sh("du", "-B1", img).split()
        journal = re.search(r"^(?:Total j|J)ournal size:\s+(\S+)", sh("dumpe2fs", "-h", img), re.M)
        return {"path": img, "allocated": int(du[0]) if du else None, "apparent": du and os.path.getsize(img) or None,
                "journal_size": journal.group(1) if journal else None}

    def measure_idle(self, ids):
        """Memory (Pss summed over the session's processes, and the cgroup's charge) now, then CPU over IDLE_SECONDS
        (utime+stime deltas; a process that appears meanwhile counts whole), and the volume's allocation."""
        out, before = {}, {}
        for i in ids:
            ps = {pid: proc(pid) for pid in self.pids(i)}
            before[i], now = {pid: p[3] for pid, p in ps.items()}, list(ps.values())
            out[i] = {"account": account(i), "processes": sorted({p[0] for p in now}), "process_count": len(now),
                      "pss_bytes": sum(p[1] for p in now), "rss_bytes": sum(p[2] for p in now),
                      "cgroup_memory": self.cgroup_memory(i), "volume": self.volume(i)}
        t0 = time.perf_counter()
        time.sleep(IDLE_SECONDS)
        window = time.perf_counter() - t0
        for i in ids:
            ps, by_name = {pid: proc(pid) for pid in self.pids(i)}, {}
            delta = {pid: p[3] - (before[i].get(pid) or 0) for pid, p in ps.items() if p[3] is not None}
            for pid, ticks in delta.items():
                by_name[ps[pid][0]] = by_name.get(ps[pid][0], 0) + ticks / CLK_TCK
            cpu = sum(delta.values()) / CLK_TCK
            out[i].update(cpu_seconds_by_process=by_name, cpu_seconds=cpu, cpu_window_seconds=window,
                          cpu_percent_of_one_core=100 * cpu / window, pss_bytes_after=sum(p[1] for p in ps.values()))
        return out

    def leftovers(self, ids, remove=False):
        """Mounts under the data folder, loop devices on its images, and processes, accounts and Xvnc of this run;
        with remove, they go too (the last resort, for what the server left behind)."""
        found = {"mounts": mounts(self.data), "loops": grep(sh("losetup", "-a"), self.data),
                 "processes": {i: sorted(p) for i in ids if (p := self.pids(i))},
                 "accounts": [account(i) for i in ids if sh("id", "-u", account(i))],
                 "xvnc": [x for x in grep(sh("ps", "-eo", "pid,args"), f"-desktop {USER_PREFIX}") if "Xvnc" in x],
                 "volume_images": os.listdir(self.volumes) if os.path.isdir(self.volumes) else []}
        if remove:
            sh("kill", "-9", *(str(p) for ps in found["processes"].values() for p in ps),
               *(x.split()[0] for x in found["xvnc"]))
            time.sleep(1)
            for cmd in ([["umount", "-l", x.split()[0]] for x in found["mounts"]]
                        + [["losetup", "-d", x.split(":")[0]] for x in found["loops"]]
                        + [["userdel", a] for a in found["accounts"]]
                        + [["rmdir", cgroup(i, c)] for i in ids for c in ("memory", "cpu", "pids")]):   # empty ones go
                sh(*cmd)
        return found


class Capacity:   # one run: a server of its own on a fresh data folder, the measurements through its API, cleanup
    def __init__(self):
        data = tempfile.mkdtemp(prefix="cubicle-capacity-", dir=os.environ.get("CAPACITY_DATA_PARENT"))
        dirs = harness.write_directories(data + "/directories.json", [{"DirectoryId": DIRECTORY, "Users": USERS}])
        self.server = harness.Server("--desktops", "local", "--max-desktops", str(MAX_DESKTOPS), "--directories", dirs,
                                     data=data, env={"CUBICLE_ROOT_ACCESS_KEY_ID": KEY,
                                                     "CUBICLE_ROOT_SECRET_ACCESS_KEY": SECRET})
        self.host, self.ws, self.errors, self.seen = Host(data), None, [], set()   # seen: for the leftovers
        self.res = {"started": utc_now(), "commit": sh("git", "-C", ROOT, "rev-parse", "HEAD").strip(), "options": {
            "max_desktops": MAX_DESKTOPS, "disk_oversubscription": 20, "disk_reserve_percent": 10,
            "memory_oversubscription": 1.5, "running_mode": "ALWAYS_ON", "poll_seconds": POLL,
            "idle_seconds": IDLE_SECONDS, "settle_seconds": SETTLE_SECONDS, "measured_per_bundle": MEASURE},
            "bundles": {}, "host": self.host.facts()}

    def describe(self, ids):   # never more than 21 at once: within the API's 25
        found = self.ws.describe_workspaces(WorkspaceIds=list(ids))["Workspaces"] if ids else []
        return {w["WorkspaceId"]: w for w in found}

    def wait(self, ids, target, timeout, t0):   # each id's (state, seconds from t0 to it, or None), target or ERROR
        reached, last, deadline = {}, {}, time.perf_counter() + timeout
        while len(reached) < len(ids) and time.perf_counter() < deadline:
            try:
                found, now = self.describe(set(ids) - set(reached)), time.perf_counter() - t0
            except ClientError as e:   # kept for the report; the next poll may be answered
                self.errors.append({"at": round(time.time() - T_START, 1), **e.response.get("Error", {})})
                found = None
            for i in set(ids) - set(reached) if found is not None else ():
                last[i] = state = found.get(i, {}).get("State", "GONE")
                if state in (target, "ERROR") or (state == "GONE" and target == "TERMINATED"):
                    reached[i] = (state, now)
            time.sleep(POLL if len(reached) < len(ids) else 0)
        return {i: reached.get(i, (last.get(i, "UNKNOWN"), None)) for i in ids}

    def terminate(self, ids=None):   # each one's (state, seconds), the seconds until all were; no ids: all live ones
        if ids is None:
            ids = [w["WorkspaceId"] for p in self.ws.get_paginator("describe_workspaces").paginate()
                   for w in p["Workspaces"] if w["State"] != "TERMINATED"]
        t0 = time.perf_counter()
        if ids:
            self.ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w} for w in ids])
        ended = self.wait(ids, "TERMINATED", TERMINATE_TIMEOUT, t0)
        if any(t is None for _, t in ended.values()):
            log("not TERMINATED in time:", {i: s for i, s in ended.items() if s[1] is None})
        return ended, time.perf_counter() - t0

    def batch(self, bundle, users, one_per_call=False):   # in one call, or one per call until refused; to AVAILABLE
        acked, refused, t0 = [], [], time.perf_counter()
        for group in [[u] for u in users] if one_per_call else [users]:
            r = self.ws.create_workspaces(Workspaces=[{"DirectoryId": DIRECTORY, "UserName": u, "BundleId": bundle,
                                                       "WorkspaceProperties": ALWAYS_ON} for u in group])
            acked, refused = acked + [p["WorkspaceId"] for p in r["PendingRequests"]], refused + r["FailedRequests"]
            self.seen.update(acked)
            if refused:
                break
        call_s, reached = time.perf_counter() - t0, self.wait(acked, "AVAILABLE", AVAILABLE_TIMEOUT, t0)
        times = [t for s, t in reached.values() if s == "AVAILABLE"]
        not_ok = [i for i, (s, _) in reached.items() if s != "AVAILABLE"]
        log(f"   acknowledged {len(acked)}, refused {len(refused)} ({call_s:.2f}s); AVAILABLE: {len(times)} after "
            f"{max(times, default=None)}s; not: {not_ok}")
        found = self.describe(not_ok)   # why not: in the server's log
        return acked, refused, call_s, reached, times, {
            "seconds_to_all_available": max(times) if times and not not_ok else None,
            "not_available": [{"WorkspaceId": i, "State": reached[i][0], **{k: found.get(i, {}).get(k) for k in (
                "ErrorCode", "ErrorMessage")}} for i in not_ok]}

    def capacity_row(self):   # the server's own measurement (hosts table)
        cols = ["capacity", "disk_bytes", "disk_free_bytes", "disk_used_bytes", "memory_bytes", "memory_used_bytes",
                "disk_ratio", "disk_reserve_percent", "memory_ratio"]
        row = self.server.sql(f"SELECT {', '.join(cols)} FROM hosts")[0]
        return {c: json.loads(v or "null") for c, v in zip(cols, row)}

    def one(self):   # one Standard workspace to AVAILABLE, then TERMINATED; ONE_REPEAT times (the first is cold)
        runs = []
        for n in range(ONE_REPEAT):
            log(f"1. one Standard workspace (run {n + 1} of {ONE_REPEAT})")
            load = loadavg()
            acked, refused, call_s, reached, _, waited = self.batch(BUNDLE_IDS["Standard"], [USERS[n]])
            (ended, tsecs), wid = self.terminate(acked), (acked or [None])[0]
            answered = re.findall(rf"The desktop of {wid} answered in (\d+) ms", read(self.server.log_path))
            runs.append({"refused": refused} if refused else {
                "WorkspaceId": wid, "loadavg_before": load, "create_call_seconds": call_s, "state": reached[wid][0],
                "seconds_to_available": reached[wid][1], "desktop_answered_ms_server_log": [int(a) for a in answered],
                "terminate_state": ended[wid][0], "seconds_to_terminated": tsecs, "errors": waited["not_available"]})
        return {"runs": runs}

    def twenty(self):
        log("2. twenty Standard workspaces in one CreateWorkspaces call")
        load = loadavg()
        acked, refused, call_s, reached, times, waited = self.batch(BUNDLE_IDS["Standard"], USERS[ONE_REPEAT:][:20])
        final = self.describe(acked)
        fails = [{"UserName": f["WorkspaceRequest"]["UserName"], "ErrorCode": f.get("ErrorCode"),
                  "ErrorMessage": f.get("ErrorMessage")} for f in refused]
        result = {"loadavg_before": load, "create_call_seconds": call_s, "acknowledged": len(acked),
                  "refused": len(fails), "refusals": fails, "refusal_codes": sorted({f["ErrorCode"] for f in fails}),
                  "refused_by": sorted({resource_of(f["ErrorMessage"]) or "?" for f in fails}), **waited,
                  "seconds_to_available_each": {i: t for i, (s, t) in reached.items()},
                  "seconds_to_first_available": min(times, default=None),
                  "final_states": {i: final.get(i, {}).get("State", "GONE") for i in acked},
                  "host_mem_available_with_them": meminfo("MemAvailable")}
        return {**result, "seconds_to_terminate_all": self.terminate(acked)[1]}

    def bundle(self, name, bundle, compute_mib, user_gib):   # as many as acknowledged; up to MEASURE measured idle
        log(f"3. {name} ({bundle}): one per call until refused")
        self.terminate()
        row, load = self.capacity_row(), loadavg()
        acked, refused, call_s, reached, _, waited = self.batch(bundle, USERS[:MAX_DESKTOPS + 1], one_per_call=True)
        first = refused[0] if refused else {}
        refusal = {"after": len(acked), "ErrorCode": first.get("ErrorCode"), "ErrorMessage": first.get("ErrorMessage"),
                   "resource": resource_of(first.get("ErrorMessage"))}
        result = {"bundle": bundle, "compute_mib": compute_mib, "user_volume_gib": user_gib, "fit": len(acked),
                  "refusal": refusal if refused else None,
                  "predicted": predicted_fit(row, compute_mib, user_gib), "loadavg_before": load,
                  "create_calls_seconds": call_s, **waited, "host_mem_available_with_them": None, "measured": {}}
        running = [i for i in acked if reached[i][0] == "AVAILABLE"][:MEASURE]
        if running:
            time.sleep(SETTLE_SECONDS)
            result.update(host_mem_available_with_them=meminfo("MemAvailable"), loadavg_before_idle=loadavg(),
                          measured=self.host.measure_idle(running))
        return {**result, "seconds_to_terminate_all": self.terminate(acked)[1]}

    def run(self):
        res, server, t0 = self.res, self.server, time.perf_counter()
        try:
            server.start()
            res["server_startup_seconds"] = time.perf_counter() - t0
            log(f"server up in {res['server_startup_seconds']:.1f}s at {server.url}, log {server.log_path}")
            self.ws = server.client(key=KEY, secret=SECRET)
            pages = self.ws.get_paginator("describe_workspace_bundles").paginate(Owner="AMAZON")
            found = {b["BundleId"]: b for p in pages for b in p["Bundles"]}
            res["one"] = self.one()
            res["server_capacity_row"] = self.capacity_row()   # (the first heartbeat's, long done by now)
            res["twenty"] = self.twenty()
            for name, b in BUNDLE_IDS.items():
                res["bundles"][name] = self.bundle(name, b, COMPUTE_MIB[found[b]["ComputeType"]["Name"]],
                                                   int(found[b]["UserStorage"]["Capacity"]))
        finally:
            self.clean_up()

    def clean_up(self):   # what is left goes through the API, then by force; then the report
        res, server, host, failure = self.res, self.server, self.host, sys.exc_info()[1]
        res["failure"] = failure and f"{type(failure).__name__}: {failure}"
        try:
            if self.ws and server.proc.poll() is None:
                res["cleanup_terminated_all"] = all(t is not None for _, t in self.terminate()[0].values())
        except Exception as e:
            res["cleanup_error"] = repr(e)
        server.stop(remove=False)   # SIGTERM, SIGKILL after 10 s
        server_log, res["server_exit_code"] = read(server.log_path), server.proc and server.proc.wait()
        res.update(api_errors=self.errors, server_warning_lines=grep(server_log, " warn: ")[-50:],
                   server_error_lines=grep(server_log, " fail: ", " crit: ", "Unhandled exception")[-50:])
        if any(host.leftovers(self.seen).values()):
            res["leftovers_forced"] = host.leftovers(self.seen, remove=True)
            log("leftovers removed:", res["leftovers_forced"])
        res["leftovers_after_cleanup"] = host.leftovers(self.seen)
        res["other_desktops_after"] = {"mounts": len(mounts("/desktops/")), "xvnc": len(
            [x for x in grep(sh("ps", "-eo", "pid,args"), "Xvnc") if re.match(r"\d+\s+Xvnc ", x)])}
        # A folder of its own: the log is no result to commit, and the data folder goes.
        log_copy = os.path.join(tempfile.mkdtemp(prefix="cubicle-capacity-log-"), "server.log")
        with open(log_copy, "w") as f:
            f.write(server_log)
        shutil.rmtree(server.data, ignore_errors=True)
        res["finished"], res["total_seconds"] = utc_now(), time.time() - T_START
        with open(RESULTS, "w") as f:
            json.dump(res, f, indent=2, default=str)
        print(f"\n{table(res)}\n\nWrote {RESULTS} in {res['total_seconds'] / 60:.1f} min; the server's log: "
              f"{log_copy}")


def table(res):
    h, df, sr, tw = res["host"], res["host"]["df"], res.get("server_capacity_row") or {}, res.get("twenty")
    lines = [f"Host: {h['nproc']} cores, MemTotal {h['MemTotal'] / GIB:.1f} GiB ({h['MemTotal']} B), data folder on "
             f"{df['source']} ({df['mount']}): df size {df['size'] / GIB:.1f} GiB, avail {df['avail'] / GIB:.1f} GiB; "
             f"cgroup {h['cgroup']}; load average at start {h['loadavg'].split()[0]}. Server: `--desktops local --max-"
             f"desktops {MAX_DESKTOPS}`, default oversubscription; RunningMode ALWAYS_ON; polling every {POLL} s."]
    if sr.get("memory_bytes"):
        mem, disk, ratio = sr["memory_bytes"], sr["disk_bytes"], sr["disk_ratio"]
        reserve = max(GIB, disk * sr["disk_reserve_percent"] / 100)
        lines += ["", f"Server's own capacity row: memory {mem / GIB:.1f} GiB x {sr['memory_ratio']:g} = "
                  f"{mem * sr['memory_ratio'] / GIB:.1f} GiB promisable; disk {disk / GIB:.1f} GiB (desktops' files + "
                  f"free), reserve {reserve / GIB:.1f} GiB, x {ratio:g} = {(disk - reserve) * ratio / GIB:.0f} GiB of "
                  f"volumes promisable; max desktops {sr['capacity']}."]
    lines += ["", "| measurement | result |", "|---|---|"] + [
        f"| 1 Standard, run {n + 1} | refused: {one['refused']} |" if "refused" in one else
        f"| 1 Standard, run {n + 1}{' (cold)' if n == 0 else ''}: CreateWorkspaces → AVAILABLE / Terminate → "
        f"TERMINATED | {secs(one['seconds_to_available'])} ({one['state']}; RFB answered after "
        f"{', '.join(map(str, one['desktop_answered_ms_server_log']))} ms per server log) / "
        f"{secs(one['seconds_to_terminated'])} |" for n, one in enumerate(res.get("one", {}).get("runs", []))]
    if tw:
        states = sorted({s: list(tw["final_states"].values()).count(s) for s in tw["final_states"].values()}.items())
        lines += [f"| 20 Standard in one call: acknowledged / refused at the call | {tw['acknowledged']} / "
                  f"{tw['refused']} ({', '.join(tw['refusal_codes']) or '—'}, by {', '.join(tw['refused_by']) or '—'};"
                  f" call took {tw['create_call_seconds']:.2f} s) |", f"| 20 Standard: first / last acknowledged "
                  f"AVAILABLE | {secs(tw['seconds_to_first_available'])} / {secs(tw['seconds_to_all_available'])} |",
                  f"| 20 Standard: final states of the acknowledged | {', '.join(f'{k} {v}' for k, v in states)}; "
                  f"not AVAILABLE: {len(tw['not_available'])} |"]
        lines += [f"| 20 Standard: refusal message (all {tw['refused']} alike: "
                  f"{len({f['ErrorMessage'] for f in tw['refusals']}) == 1}) | {tw['refusals'][0]['ErrorMessage']} |"
                  ] if tw["refusals"] else []
        lines += ["| 20 Standard: TerminateWorkspaces → all TERMINATED | "
                  f"{secs(tw.get('seconds_to_terminate_all'))} |"]
    lines += ["", "| bundle | compute MiB / volume GiB | fit | predicted (desktops / memory / disk) | refused by | "
              f"all AVAILABLE | idle Pss MiB (start → after {IDLE_SECONDS:g} s) | RSS MiB | cgroup charge MiB | idle "
              f"CPU % of a core ({IDLE_SECONDS:g} s) | volume allocated MiB (journal) |", "|---" * 11 + "|"]
    for name, b in res.get("bundles", {}).items():
        pred, ref, m = b.get("predicted") or {}, b.get("refusal") or {}, list((b.get("measured") or {}).values())
        by, journal = pred.get("by", {}), sorted({x["volume"].get("journal_size") for x in m} - {None})
        cells = [f"{name} `{b['bundle']}`", f"{b['compute_mib']} / {b['user_volume_gib']}", f"**{b['fit']}**",
                 f"{pred.get('fit', '?')} ({by.get('desktops')} / {by.get('memory')} / {by.get('disk')})",
                 f"{ref.get('resource') or '—'} ({ref.get('ErrorCode') or 'no refusal'})",
                 secs(b.get("seconds_to_all_available")) + (f" NOT AVAILABLE: {len(b['not_available'])}"
                                                            if b["not_available"] else ""),
                 ", ".join(f"{x['pss_bytes'] / MIB:.0f}→{x['pss_bytes_after'] / MIB:.0f}" for x in m) or "—",
                 mibs([x["rss_bytes"] for x in m]), mibs([(x.get("cgroup_memory") or {}).get("usage", 0) for x in m]),
                 ", ".join(f"{x['cpu_percent_of_one_core']:.2f}" for x in m) or "—",
                 f"{mibs([x['volume']['allocated'] or 0 for x in m])} ({', '.join(journal) or '?'})"]
        lines.append(f"| {' | '.join(cells)} |")
    errors, lf = res.get("api_errors", []), res.get("leftovers_after_cleanup", {})
    other = res.get("other_desktops_after", {})
    return "\n".join(lines + ["", f"Idle figures are for {res['options']['measured_per_bundle']} desktops per bundle "
                              "at most (fewer when fewer fit), measured together while all that fit ran; Pss shares "
                              "pages with every process mapping them on the host, other servers' desktops included.",
                              ""] + [f"- {name}, refusal after {b['fit']}: {b['refusal']['ErrorMessage']}"
                                     for name, b in res.get("bundles", {}).items() if b.get("refusal")] + [
        f"- API errors (5xx or unexpected): {len(errors)}" + (f": {errors}" if errors else ""),
        f"- Server log lines at warning or above: "
        f"{len(res.get('server_error_lines', [])) + len(res.get('server_warning_lines', []))}",
        f"- This run's leftovers after cleanup: mounts {len(lf.get('mounts', []))}, loop devices "
        f"{len(lf.get('loops', []))}, processes {sum(len(v) for v in lf.get('processes', {}).values())}, Xvnc "
        f"{len(lf.get('xvnc', []))}, accounts {len(lf.get('accounts', []))}, volume images "
        f"{len(lf.get('volume_images', []))}; forced cleanup needed: {bool(res.get('leftovers_forced'))}. Other "
        f"servers' desktops on the host at the end (not this run's): {other.get('mounts', 0)} mounts, "
        f"{other.get('xvnc', 0)} Xvnc."])


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("local desktops need root")
    Capacity().run()
