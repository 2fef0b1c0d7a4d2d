"""Starts a real Cubicle server on a free loopback port for client conformance tests."""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

import boto3
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DLL = os.environ.get("CUBICLE_SERVER_DLL", os.path.join(ROOT, "src", "Cubicle.Server", "bin", "Release", "net10.0", "Cubicle.Server.dll"))
DEMO_DIRECTORY = "d-926722edaf"
BUNDLE = "wsb-al2std01"
# The suites run on SQLite, or on PostgreSQL when CUBICLE_TEST_DATABASE=postgres (CUBICLE_TEST_POSTGRES: the cluster).
ENGINE = os.environ.get("CUBICLE_TEST_DATABASE", "sqlite")


def postgres_database():
    """A fresh database in the test cluster; returns its Npgsql connection string."""
    base = dict(part.split("=", 1) for part in os.environ["CUBICLE_TEST_POSTGRES"].split(";") if part)
    name = "cubicle_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", f"host={base['Host']} port={base['Port']} user={base['Username']} dbname=postgres",
                    "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return ";".join(f"{k}={v}" for k, v in dict(base, Database=name).items())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_built():
    if not os.path.exists(DLL):
        subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Cubicle.Server")], check=True, stdout=subprocess.DEVNULL)


class Server:
    """One Cubicle process; `restart` keeps the data folder, as a real restart does."""

    def __init__(self, *args, transition_seconds=0.3, env=None, data=None):
        ensure_built()
        self.args = list(args)
        self.transition_seconds = transition_seconds
        self.env = dict(os.environ, **(env or {}))
        self.env.pop("AWS_PROFILE", None)
        self.data = data or tempfile.mkdtemp(prefix="cubicle-test-")
        if ENGINE == "postgres":
            # One database per server; the same node name and master key across restarts, as a real node keeps them.
            if "CUBICLE_DATABASE" not in self.env:  # (setdefault would make a database even when one is given)
                self.env["CUBICLE_DATABASE"] = postgres_database()
            self.env.setdefault("CUBICLE_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
            self.env.setdefault("CUBICLE_NODE_NAME", "test-" + uuid.uuid4().hex[:8])
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.data, "server.log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        cmd = ["dotnet", DLL, "--urls", self.url, "--data", self.data,
               "--transition-seconds", str(self.transition_seconds), *self.args]
        if getattr(self, "_log", None):
            self._log.close()
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not become healthy: " + self.log())

    def kill(self):
        """SIGKILL: no shutdown code runs, exactly like a crash."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def restart(self):
        self.kill()
        return self.start()

    def stop(self, remove=True):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "_log", None):
            self._log.close()
        if remove:
            shutil.rmtree(self.data, ignore_errors=True)

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def client(self, service="workspaces", region="us-east-1", key="test", secret="test", retries=None, validate=False):
        # Client-side validation is off by default: the server must enforce every constraint itself.
        # One attempt (botocore's max_attempts counts retries; total_max_attempts counts attempts): a 5xx is seen, not
        # retried away.
        cfg = Config(retries=retries or {"total_max_attempts": 1, "mode": "standard"}, parameter_validation=validate)
        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)

    def cli(self, *args, input=None):
        """Runs a command of the server's program (keys, users, verify) on this server's data and database."""
        return subprocess.run(["dotnet", DLL, *args, "--data", self.data], capture_output=True, text=True,
                              timeout=120, env=self.env, input=input)

    def database_dump(self):
        """Everything the database holds, as bytes (the SQLite file and its WAL, or a dump of the PostgreSQL database)."""
        if "CUBICLE_DATABASE" in self.env:
            base = dict(part.split("=", 1) for part in self.env["CUBICLE_DATABASE"].split(";") if part)
            return subprocess.run(["pg_dump", "--data-only", f"host={base['Host']} port={base['Port']} "
                                   f"user={base['Username']} dbname={base['Database']}"], capture_output=True, check=True).stdout
        content = b""
        for suffix in ("", "-wal"):
            path = os.path.join(self.data, "cubicle.db" + suffix)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    content += f.read()
        return content

    def sql(self, query):
        """Rows of a read-only query on the server's database (either engine), as lists of strings."""
        if "CUBICLE_DATABASE" in self.env:
            base = dict(part.split("=", 1) for part in self.env["CUBICLE_DATABASE"].split(";") if part)
            out = subprocess.run(["psql", f"host={base['Host']} port={base['Port']} user={base['Username']} "
                                  f"dbname={base['Database']}", "-AtX", "-F", "\t", "-c", query],
                                 capture_output=True, text=True, check=True).stdout
            return [line.split("\t") for line in out.splitlines() if line]
        import sqlite3
        with sqlite3.connect(f"file:{os.path.join(self.data, 'cubicle.db')}?mode=ro", uri=True) as db:
            return [["" if v is None else str(v) for v in row] for row in db.execute(query)]

    def admin(self, action, key="test", secret="test", region="us-east-1", **params):
        """Calls one of Cubicle's operator actions (CubicleAdmin.*), signed with SigV4 for the service "cubicle"."""
        return signed_call(self.url, "CubicleAdmin." + action, params, "cubicle", key, secret, region)

    def connect(self, workspace_id, connected=True):
        return self.admin("RecordConnection", WorkspaceId=workspace_id,
                          ConnectionState="CONNECTED" if connected else "DISCONNECTED")


def signed_call(url, target, params, service, key="test", secret="test", region="us-east-1"):
    """POSTs an awsJson1_1 call signed with botocore's SigV4; returns the parsed answer or raises HTTPError."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = json.dumps(params).encode()
    request = AWSRequest(method="POST", url=url + "/", data=body,
                         headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    prepared = urllib.request.Request(url + "/", data=body, method="POST", headers=dict(request.headers))
    with urllib.request.urlopen(prepared, timeout=10) as r:
        return json.loads(r.read())


def wait_for_state(client, workspace_id, state, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        found = client.describe_workspaces(WorkspaceIds=[workspace_id])["Workspaces"]
        last = found[0]["State"] if found else None
        if last == state:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"{workspace_id} is {last}, expected {state} within {timeout}s")


def write_directories(path, directories):
    with open(path, "w") as f:
        json.dump({"Directories": directories}, f)
    return path
