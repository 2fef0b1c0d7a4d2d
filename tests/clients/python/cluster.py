"""Several Cubicle nodes on one PostgreSQL database, for the tests that drive them (test_multinode.py): the nodes
(each its own process, loopback address, data folder and --node-name, one database, master key and trail), a psql
session that holds a lock to make one moment of a race long, and the helpers that call nodes together."""
import base64
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import harness
from harness import BUNDLE, Server, write_directories

DIRECTORY = "d-5e1f0c0a11"
USERS = [f"user{i:03d}" for i in range(600)]

# ------------------------------------------------------------------------------------------------ the cluster

class Node(Server):
    """A server of the cluster, listening on a loopback address of its own."""

    def __init__(self, host, name, *args, **kwargs):
        self.host = host
        self.name = name
        super().__init__("--node-name", name, *args, **kwargs)

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def full_log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def health(self):
        """The status /health answers (0: no answer)."""
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return 0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


class Cluster:
    """Nodes sharing one fresh PostgreSQL database, master key, audit folder and audit signing key."""

    def __init__(self, *args, transition_seconds=0.3):
        self.database = harness.postgres_database()
        parts = dict(p.split("=", 1) for p in self.database.split(";") if p)
        self.conninfo = f"host={parts['Host']} port={parts['Port']} user={parts['Username']} dbname={parts['Database']}"
        self.admin_conninfo = f"host={parts['Host']} port={parts['Port']} user={parts['Username']} dbname=postgres"
        self.db_name = parts["Database"]
        self.shared = tempfile.mkdtemp(prefix="cubicle-multinode-")
        self.audit_dir = os.path.join(self.shared, "trail")
        self.signing_key = os.path.join(self.shared, "keys", "audit-signing-key.pem")
        self.directories = write_directories(os.path.join(self.shared, "directories.json"),
                                             [{"DirectoryId": DIRECTORY, "Users": USERS}])
        self.env = {"CUBICLE_DATABASE": self.database,
                    "CUBICLE_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
        self.args = list(args)
        self.transition_seconds = transition_seconds
        self.nodes = []

    def add(self, name, *args, start=True):
        node = Node(f"127.0.0.{2 + len(self.nodes)}", name, "--directories", self.directories,
                    "--audit-dir", self.audit_dir, "--audit-signing-key", self.signing_key, *self.args, *args,
                    transition_seconds=self.transition_seconds, env=dict(self.env))
        self.nodes.append(node)
        return node.start() if start else node

    def wake_job_workers(self):
        """What a node queueing a job does: NOTIFY, so that every node's job worker wakes and claims what it may."""
        self.sql("NOTIFY cubicle_jobs")

    def sql(self, query):
        """Rows of a query on the cluster's database, as lists of strings."""
        r = subprocess.run(["psql", self.conninfo, "-AtX", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"psql failed: {r.stderr}")
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def close(self):
        for node in self.nodes:
            node.stop()
        subprocess.run(["psql", self.admin_conninfo, "-qXc", f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.shared, ignore_errors=True)


class Locker:
    """A psql session that runs a locking statement in an open transaction and holds the locks until released. It
    widens, for a test, the moment a node spends committing: the node blocks there, as if it were slow or busy."""

    NAME = "cubicle-test-locker"

    def __init__(self, cluster, *statements):
        self.proc = subprocess.Popen(["psql", cluster.conninfo + f" application_name={self.NAME}", "-qAtX",
                                      "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.proc.stdin.write("BEGIN;\n" + "".join(f"{s};\n" for s in statements))
        self.proc.stdin.flush()
        wait_until(lambda: cluster.sql(f"SELECT count(*) FROM pg_stat_activity WHERE application_name='{self.NAME}' "
                                       "AND datname=current_database() AND state='idle in transaction'") == [["1"]],
                   15, "the locks")

    def release(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("ROLLBACK;\n\\q\n")
            self.proc.stdin.close()
            self.proc.wait(15)
            self.proc.stderr.close()


def JobPinner(cluster, workspace_ids=(), account=False):
    """Holds a node in the middle of transitions: it claims their jobs when due, then blocks committing the outcome,
    so the jobs stay leased to it, as when its desktop provider is still at work. Locks these workspaces' rows (any
    transition's outcome updates its workspace: lock after the call that begins it) and, with `account`, the account's
    usage row (a Terminate's outcome counts the workspace out there: lock before, deterministically)."""
    statements = []
    if account:
        statements.append("SELECT account_id FROM account_usage FOR UPDATE")
    if workspace_ids:
        ids = ",".join(f"'{w}'" for w in workspace_ids)
        statements.append(f"SELECT workspace_id FROM workspaces WHERE workspace_id IN ({ids}) FOR UPDATE")
    return Locker(cluster, *statements)


# ------------------------------------------------------------------------------------------------ helpers

def wait_until(predicate, timeout=30, what="condition", interval=0.05, details=None):
    """Polls until the predicate holds (returns its value); on timeout fails, saying what it waited for and, with
    `details`, what it saw."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}" +
                                 (f"; {details()}" if details else ""))
        time.sleep(interval)


class Outcome:
    """What one call came back with: its answer, or the AWS error (code, HTTP status), or another exception."""

    def __init__(self, value=None, error=None):
        self.value = value
        self.error = error
        self.code = self.status = self.request_id = None
        if isinstance(error, ClientError):
            self.code = error.response["Error"]["Code"]
            self.status = error.response["ResponseMetadata"].get("HTTPStatusCode")
            self.request_id = error.response["ResponseMetadata"].get("RequestId")
        elif value is not None and isinstance(value, dict):
            self.request_id = value.get("ResponseMetadata", {}).get("RequestId")

    @property
    def ok(self):
        return self.error is None

    def __repr__(self):
        return f"Outcome(ok)" if self.ok else f"Outcome({self.code or type(self.error).__name__}, {self.status}: {self.error})"


def attempt(call):
    try:
        return Outcome(value=call())
    except Exception as e:  # noqa: BLE001 -- the test judges every outcome
        return Outcome(error=e)


def together(calls, timeout=120):
    """Runs the calls at the same moment, one thread each (released together by a barrier); their outcomes, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        outcomes[i] = attempt(call)

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert all(o is not None for o in outcomes), "a call did not return"
    return outcomes


def together_in_the_database(cluster, lock_statement, calls, timeout=20):
    """The calls fired at once while `lock_statement` (held by a Locker) stops each of them inside its transaction,
    past the checks it makes: the moment a busy database widens, made long. Once every call waits in the database
    (or after `timeout`), the lock goes and they finish; their outcomes, in order. A node that checks without holding
    what it checks against lets them all pass their checks here."""
    locker = Locker(cluster, lock_statement)
    result = {}
    try:
        firing = threading.Thread(target=lambda: result.setdefault("outcomes", together(calls)), daemon=True)
        firing.start()
        try:
            wait_until(lambda: waiting_in_the_database(cluster) >= len(calls), timeout,
                       f"{len(calls)} calls to wait in the database")
        except AssertionError:
            pass  # let them finish; the outcomes tell
        locker.release()
        firing.join(120)
        return result["outcomes"]
    finally:
        locker.release()


def waiting_in_the_database(cluster):
    return int(cluster.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type='Lock' "
                           "AND application_name='cubicle' AND datname=current_database()")[0][0])


def client(node, service="workspaces", key="test", secret="test"):
    """A client that never retries (an error is seen as it is), with a generous read timeout. (botocore's
    "max_attempts" counts retries: {"max_attempts": 1} makes two attempts; "total_max_attempts": 1 makes one.)"""
    cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False,
                 connect_timeout=10, read_timeout=60)
    # A session of its own: clients are made from several threads at once, which boto3's default session does not bear.
    return boto3.session.Session().client(service, endpoint_url=node.url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, config=cfg)


def request(user, **extra):
    return dict(DirectoryId=DIRECTORY, UserName=user, BundleId=BUNDLE, **extra)


def all_workspaces(ws, **kwargs):
    return list(ws.get_paginator("describe_workspaces").paginate(**kwargs).search("Workspaces[]"))


def states(ws, ids):
    found = {}
    for i in range(0, len(ids), 25):
        for w in ws.describe_workspaces(WorkspaceIds=ids[i:i + 25])["Workspaces"]:
            found[w["WorkspaceId"]] = w["State"]
    return found


def wait_states(ws, ids, state, timeout=30):
    wait_until(lambda: list(states(ws, ids).values()) == [state] * len(ids), timeout, f"{len(ids)} workspaces {state}")


def create_one(ws, user):
    r = ws.create_workspaces(Workspaces=[request(user)])
    assert not r["FailedRequests"], r["FailedRequests"]
    return r["PendingRequests"][0]["WorkspaceId"]


def failures(outcomes):
    """Outcomes that are neither an answer nor an AWS 4xx error: 5xx, transport errors, exceptions."""
    return [o for o in outcomes if not o.ok and not (o.status and 400 <= o.status < 500)]
