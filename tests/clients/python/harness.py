"""Starts a real Cubicle server on a free loopback port for client conformance tests."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DLL = os.environ.get("CUBICLE_SERVER_DLL", os.path.join(ROOT, "src", "Cubicle.Server", "bin", "Release", "net10.0", "Cubicle.Server.dll"))
DEMO_DIRECTORY = "d-926722edaf"
BUNDLE = "wsb-al2std01"


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
        cfg = Config(retries=retries or {"max_attempts": 1, "mode": "standard"}, parameter_validation=validate)
        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)

    def admin(self, path):
        req = urllib.request.Request(self.url + path, method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=5) as r:
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
