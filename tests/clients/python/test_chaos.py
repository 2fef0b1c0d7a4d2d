"""Chaos: a mixed load of changes through boto3 while the server is killed with SIGKILL every few seconds (30
rounds), on the engine of CUBICLE_TEST_DATABASE. Afterwards nothing acknowledged is lost:

  - every workspace whose creation was acknowledged exists;
  - every acknowledged terminate ends TERMINATED;
  - no change sent after a terminate was acknowledged is acknowledged (the terminate was durable before its answer);
  - no workspace is left in a transitional state (each transition a killed server had started was finished);
  - the account's count of workspaces matches its rows;
  - no call was answered 5xx (a call cut off by the kill is not an answer).
"""
import os
import random
import threading
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import ENGINE, Server, write_directories

DIRECTORY = "d-c4a05c4a05"
USERS = [f"chaos{i:04d}" for i in range(2000)]
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "30"))
WORKERS = 6
STEADY = {"AVAILABLE", "STOPPED", "TERMINATED", "ERROR"}
CHANGES = ("reboot", "stop", "start", "rebuild", "terminate")


class Log:
    """Every call the load made: (kind, workspace id, sent, answered, outcome); outcome is None when acknowledged, an
    AWS error code when refused, "cut" when the connection went with the server, "5xx:CODE" for a 5xx."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.created = []

    def add(self, *call):
        with self.lock:
            self.calls.append(call)


def client(url):
    cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=10)
    return boto3.session.Session().client("workspaces", endpoint_url=url, region_name="us-east-1",
                                          aws_access_key_id="test", aws_secret_access_key="test", config=cfg)


def outcome_of(call):
    try:
        return call(), None
    except ClientError as e:
        status = e.response["ResponseMetadata"].get("HTTPStatusCode", 0)
        code = e.response["Error"]["Code"]
        return None, (f"5xx:{code}" if status >= 500 else code)
    except Exception:  # noqa: BLE001 -- the server was killed under the call
        return None, "cut"


class Load(threading.Thread):
    """One client's loop: create a workspace now and then, otherwise change a random known one."""

    def __init__(self, server, log, users, stop):
        super().__init__(daemon=True)
        self.server, self.log, self.users, self.stop = server, log, users, stop
        self.rng = random.Random()

    def run(self):
        ws, url = None, None
        while not self.stop.is_set():
            if url != self.server.url:
                url = self.server.url
                ws = client(url)
            with self.log.lock:
                known = list(self.log.created)
            if not known or self.rng.random() < 0.2:
                self.create(ws)
            else:
                self.change(ws, self.rng.choice(CHANGES), self.rng.choice(known))

    def create(self, ws):
        try:
            user = next(self.users)
        except StopIteration:
            self.stop.wait(0.05)
            return
        sent = time.monotonic()
        answer, error = outcome_of(lambda: ws.create_workspaces(Workspaces=[{
            "DirectoryId": DIRECTORY, "UserName": user, "BundleId": "wsb-al2std01",
            "WorkspaceProperties": {"RunningMode": "AUTO_STOP"}}]))
        if answer and answer["PendingRequests"]:
            wid = answer["PendingRequests"][0]["WorkspaceId"]
            with self.log.lock:
                self.log.created.append(wid)
            self.log.add("create", wid, sent, time.monotonic(), None)
        elif error:
            self.log.add("create", None, sent, time.monotonic(), error)
            if error == "cut":
                self.stop.wait(0.05)

    def change(self, ws, kind, wid):
        request = [{"WorkspaceId": wid}]
        call = {"reboot": lambda: ws.reboot_workspaces(RebootWorkspaceRequests=request),
                "stop": lambda: ws.stop_workspaces(StopWorkspaceRequests=request),
                "start": lambda: ws.start_workspaces(StartWorkspaceRequests=request),
                "rebuild": lambda: ws.rebuild_workspaces(RebuildWorkspaceRequests=request),
                "terminate": lambda: ws.terminate_workspaces(TerminateWorkspaceRequests=request)}[kind]
        sent = time.monotonic()
        answer, error = outcome_of(call)
        if answer is not None:
            failed = answer["FailedRequests"]
            error = failed[0]["ErrorCode"] if failed else None
        self.log.add(kind, wid, sent, time.monotonic(), error)
        if error == "cut":
            self.stop.wait(0.05)  # the server is restarting


class ChaosTest(unittest.TestCase):
    def test_nothing_acknowledged_is_lost_across_sigkills(self):
        server = Server("--workspace-quota", "100000", transition_seconds=0.5)
        server.args += ["--directories", write_directories(os.path.join(server.data, "directories.json"),
                                                           [{"DirectoryId": DIRECTORY, "Users": USERS}])]
        server.start()
        self.addCleanup(server.stop)
        log, stop, users = Log(), threading.Event(), iter(USERS)
        lock = threading.Lock()

        def next_user():
            while True:
                with lock:
                    user = next(users, None)
                if user is None:
                    return
                yield user

        loads = [Load(server, log, next_user(), stop) for _ in range(WORKERS)]
        for load in loads:
            load.start()
        rng = random.Random(7)
        for _ in range(ROUNDS):
            time.sleep(rng.uniform(1.0, 3.0))
            server.restart()  # SIGKILL, then a new process on the same data
        time.sleep(1.0)
        stop.set()
        for load in loads:
            load.join(30)
        self.check(server, log)

    def check(self, server, log):
        ws = client(server.url)
        created = list(log.created)
        outcomes = {}
        for c in log.calls:
            outcomes[c[4] or "acknowledged"] = outcomes.get(c[4] or "acknowledged", 0) + 1
        print(f"\n  chaos [{ENGINE}]: {ROUNDS} kills, {len(created)} workspaces, calls: {outcomes}", flush=True)
        self.assertGreater(len(created), 20, "the load created workspaces")
        deadline = time.monotonic() + 90
        while True:
            states = {}
            for i in range(0, len(created), 25):
                for w in ws.describe_workspaces(WorkspaceIds=created[i:i + 25])["Workspaces"]:
                    states[w["WorkspaceId"]] = w["State"]
            if set(states.values()) <= STEADY or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(sorted(set(created) - set(states)), [], "acknowledged creations lost")
        self.assertEqual({w: s for w, s in states.items() if s not in STEADY}, {}, "left in a transitional state")
        fives = [c for c in log.calls if c[4] and c[4].startswith("5xx")]
        self.assertEqual(fives, [], "answered 5xx")
        terminated = {}
        for kind, wid, sent, answered, error in log.calls:
            if kind == "terminate" and error is None:
                terminated[wid] = min(answered, terminated.get(wid, answered))
        self.assertEqual({w: states[w] for w in terminated if states[w] != "TERMINATED"}, {},
                         "acknowledged terminates undone")
        after = [c for c in log.calls if c[0] not in ("create", "terminate") and c[4] is None
                 and c[1] in terminated and c[2] > terminated[c[1]]]
        self.assertEqual(after, [], "a change acknowledged after the workspace's terminate was")
        # Created by calls cut off by a kill after their commit too: every row counts.
        active = int(server.sql("SELECT count(*) FROM workspaces WHERE state<>'TERMINATED'")[0][0])
        counted = server.sql("SELECT active_workspaces FROM account_usage WHERE account_id='000000000000'")
        self.assertEqual(int(counted[0][0]), active, "the account's count of workspaces")


if __name__ == "__main__":
    unittest.main()
