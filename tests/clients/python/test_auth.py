"""Authentication through the real clients: accounts and keys, isolation, policies, throttling, limits, TLS."""
import json
import os
import socket
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

from harness import BUNDLE, DEMO_DIRECTORY, DLL, Server, wait_for_state, write_directories

OTHER = "111111111111"
D_OTHER = "d-1111111111"  # a directory of account 111111111111


def keys(server, *args):
    return server.cli("keys", *args)


def make_key(server, account, policy=None):
    args = ["create", "--account", account]
    if policy is not None:
        path = os.path.join(server.data, f"policy-{time.time_ns()}.json")
        with open(path, "w") as f:
            json.dump(policy, f)
        args += ["--policy", path]
    r = keys(server, *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def code(ctx):
    return ctx.exception.response["Error"]["Code"]


class AccountsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        dirs = write_directories(os.path.join(cls.server.data, "dirs.json"), [
            {"DirectoryId": DEMO_DIRECTORY, "Users": ["alice", "bob", "carol", "dave"]},
            {"DirectoryId": D_OTHER, "AccountId": OTHER, "Users": ["alice", "zoe"]},
        ])
        cls.server.args += ["--directories", dirs]
        cls.server.start()
        cls.root = cls.server.client()
        cls.other_key = make_key(cls.server, OTHER)
        cls.other = cls.server.client(key=cls.other_key["AccessKeyId"], secret=cls.other_key["SecretAccessKey"])
        cls.mine = wait_for_state(cls.root, cls.root.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="alice", BundleId=BUNDLE,
            WorkspaceProperties={"RunningMode": "AUTO_STOP"})])["PendingRequests"][0]["WorkspaceId"], "AVAILABLE")["WorkspaceId"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_key_output_and_listing(self):
        self.assertRegex(self.other_key["AccessKeyId"], r"^AKIA[A-Z2-7]{16}$")
        self.assertEqual(self.other_key["AccountId"], OTHER)
        self.assertGreaterEqual(len(self.other_key["SecretAccessKey"]), 40)
        listed = json.loads(keys(self.server, "list").stdout)
        self.assertIn(self.other_key["AccessKeyId"], [k["AccessKeyId"] for k in listed])
        self.assertNotIn(self.other_key["SecretAccessKey"], json.dumps(listed))
        self.assertNotIn(self.other_key["SecretAccessKey"].encode(), self.server.database_dump(), "secrets are stored encrypted")
        self.assertNotIn(self.other_key["SecretAccessKey"], self.server.log())
        bad = keys(self.server, "create", "--account", "12")
        self.assertEqual(bad.returncode, 2)

    def test_accounts_are_walled_off(self):
        self.assertEqual(self.other.describe_workspaces()["Workspaces"], [])
        self.assertEqual([d["DirectoryId"] for d in self.other.describe_workspace_directories()["Directories"]], [D_OTHER])
        with self.assertRaises(ClientError) as e:
            self.other.describe_tags(ResourceId=self.mine)
        self.assertEqual(code(e), "ResourceNotFoundException")
        with self.assertRaises(ClientError) as e:
            self.other.create_tags(ResourceId=self.mine, Tags=[{"Key": "x", "Value": "y"}])
        self.assertEqual(code(e), "ResourceNotFoundException")
        with self.assertRaises(ClientError) as e:
            self.other.modify_workspace_properties(WorkspaceId=self.mine, WorkspaceProperties={"RunningMode": "ALWAYS_ON"})
        self.assertEqual(code(e), "ResourceNotFoundException")
        for call, member in [(self.other.terminate_workspaces, "TerminateWorkspaceRequests"), (self.other.reboot_workspaces, "RebootWorkspaceRequests"),
                             (self.other.stop_workspaces, "StopWorkspaceRequests")]:
            r = call(**{member: [{"WorkspaceId": self.mine}]})
            self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "ResourceNotFound.Workspace")
        r = self.other.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="bob", BundleId=BUNDLE)])
        self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "ResourceNotFound.Directory")
        # Two workspaces of the root account at least, so that a page of one has a NextToken.
        made = self.root.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="dave", BundleId=BUNDLE)])
        self.assertEqual(made["FailedRequests"], [])
        page = self.root.describe_workspaces(Limit=1)
        self.assertIn("NextToken", page)
        theirs = self.other.create_workspaces(Workspaces=[dict(DirectoryId=D_OTHER, UserName="alice", BundleId=BUNDLE)])["PendingRequests"][0]
        self.assertEqual([w["WorkspaceId"] for w in self.other.describe_workspaces()["Workspaces"]], [theirs["WorkspaceId"]])
        self.assertNotIn(theirs["WorkspaceId"], [w["WorkspaceId"] for w in self.root.describe_workspaces()["Workspaces"]])
        self.assertEqual(self.root.describe_workspaces(WorkspaceIds=[self.mine])["Workspaces"][0]["State"], "AVAILABLE")
        with self.assertRaises(ClientError) as e:  # a token of one account is no good in another
            self.other.describe_workspaces(Limit=1, NextToken=page["NextToken"])
        self.assertEqual(code(e), "InvalidParameterValuesException")
        self.assertIn("does not belong", e.exception.response["Error"]["Message"])

    def test_regions_are_walled_off(self):
        west = self.server.client(region="eu-west-1")
        self.assertEqual(west.describe_workspaces()["Workspaces"], [])
        self.assertEqual(west.describe_workspace_directories()["Directories"], [])
        r = west.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": self.mine}])
        self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "ResourceNotFound.Workspace")

    def test_read_only_policy(self):
        k = make_key(self.server, "000000000000", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "workspaces:Describe*", "Resource": "*"}]})
        ro = self.server.client(key=k["AccessKeyId"], secret=k["SecretAccessKey"])
        self.assertIn(self.mine, [w["WorkspaceId"] for w in ro.describe_workspaces()["Workspaces"]])
        ro.describe_tags(ResourceId=self.mine)
        ro.describe_workspace_bundles(Owner="AMAZON")
        with self.assertRaises(ClientError) as e:
            ro.modify_workspace_properties(WorkspaceId=self.mine, WorkspaceProperties={"RunningMode": "ALWAYS_ON"})
        self.assertEqual(code(e), "AccessDeniedException")
        self.assertIn("workspaces:ModifyWorkspaceProperties", e.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as e:
            ro.create_tags(ResourceId=self.mine, Tags=[{"Key": "a", "Value": "b"}])
        self.assertEqual(code(e), "AccessDeniedException")
        r = ro.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId=BUNDLE)])
        self.assertEqual((r["PendingRequests"], r["FailedRequests"][0]["ErrorCode"]), ([], "AccessDeniedException"))
        r = ro.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": self.mine}])
        self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "AccessDeniedException")
        self.assertEqual(self.root.describe_workspaces(WorkspaceIds=[self.mine])["Workspaces"][0]["State"], "AVAILABLE")

    def test_explicit_deny_wins_per_item(self):
        other = self.root.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="bob", BundleId=BUNDLE)])["PendingRequests"][0]["WorkspaceId"]
        wait_for_state(self.root, other, "AVAILABLE")
        k = make_key(self.server, "000000000000", {"Statement": [
            {"Effect": "Allow", "Action": "workspaces:*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["workspaces:RebootWorkspaces"], "Resource": f"arn:aws:workspaces:us-east-1:000000000000:workspace/{self.mine}"}]})
        c = self.server.client(key=k["AccessKeyId"], secret=k["SecretAccessKey"])
        r = c.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": self.mine}, {"WorkspaceId": other}])
        self.assertEqual([(f["WorkspaceId"], f["ErrorCode"]) for f in r["FailedRequests"]], [(self.mine, "AccessDeniedException")])
        self.assertEqual(self.root.describe_workspaces(WorkspaceIds=[other])["Workspaces"][0]["State"], "REBOOTING")
        wait_for_state(self.root, other, "AVAILABLE")

    def test_deleted_key_stops_working_while_running(self):
        k = make_key(self.server, OTHER)
        c = self.server.client(key=k["AccessKeyId"], secret=k["SecretAccessKey"])
        c.describe_workspaces()
        r = keys(self.server, "delete", "--access-key-id", k["AccessKeyId"])
        self.assertEqual(r.returncode, 0, r.stderr)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                c.describe_workspaces()
                time.sleep(0.2)
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "InvalidClientTokenId")
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 403)
                return
        self.fail("a deleted key still works")

    def test_session_tokens_are_refused_clearly(self):
        import boto3
        c = boto3.client("workspaces", endpoint_url=self.server.url, region_name="us-east-1", aws_access_key_id="test",
                         aws_secret_access_key="test", aws_session_token="FQoGZXIvYXdzE")
        with self.assertRaises(ClientError) as e:
            c.describe_workspaces()
        self.assertEqual(code(e), "InvalidClientTokenId")
        self.assertIn("X-Amz-Security-Token", e.exception.response["Error"]["Message"])

    def test_cli_errors(self):
        env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        for cli in ["aws", "/usr/bin/aws"]:
            for extra_env, args, expected in [
                ({"AWS_ACCESS_KEY_ID": "AKIANOBODY", "AWS_SECRET_ACCESS_KEY": "x"}, [], "InvalidClientTokenId"),
                ({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "wrong"}, [], "InvalidSignatureException"),
                ({}, ["--no-sign-request"], "MissingAuthenticationToken"),
            ]:
                with self.subTest(cli=cli, expected=expected):
                    r = subprocess.run([cli, "workspaces", "describe-workspaces", "--endpoint-url", self.server.url, *args],
                                       capture_output=True, text=True, env=dict(env, **extra_env), timeout=120)
                    self.assertNotEqual(r.returncode, 0)
                    self.assertIn(f"({expected})", r.stderr)


class ThrottlingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--throttle-rate", "3", "--throttle-burst", "5").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_throttled_then_retried(self):
        once = self.server.client()
        with self.assertRaises(ClientError) as e:
            for _ in range(50):
                once.describe_workspaces()
        self.assertEqual(code(e), "Throttling")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        time.sleep(1)
        patient = self.server.client(retries={"max_attempts": 10, "mode": "standard"})
        retries = 0
        for _ in range(40):
            retries += patient.describe_workspaces()["ResponseMetadata"]["RetryAttempts"]
        self.assertGreater(retries, 0, "some calls should have been throttled and retried")

    def test_cli_retries_through_throttling(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_MAX_ATTEMPTS="10", AWS_RETRY_MODE="standard")
        procs = [subprocess.Popen([cli, "workspaces", "describe-workspace-bundles", "--owner", "AMAZON", "--endpoint-url", self.server.url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for cli in ["aws", "/usr/bin/aws"] * 4]
        for p in procs:
            out, err = p.communicate(timeout=180)
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(len(json.loads(out)["Bundles"]), 30)


class LimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--header-timeout-seconds", "1").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def send(self, data, wait=5):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=wait) as s:
            s.sendall(data)
            try:
                return s.recv(4096).decode(errors="replace")
            except (socket.timeout, ConnectionResetError):
                return ""

    def test_oversized_headers_and_slow_clients_get_4xx_and_the_server_stays_up(self):
        big = b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\nContent-Length: 2\r\n\r\n{}"
        self.assertRegex(self.send(big), r"^HTTP/1.1 4(31|00)")
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # and then nothing: a slow client
            time.sleep(2.5)
            try:
                reply = s.recv(4096).decode(errors="replace")
            except ConnectionResetError:
                reply = "reset"
            self.assertTrue(reply == "" or reply == "reset" or reply.startswith("HTTP/1.1 408"), reply)
        self.assertEqual(self.server.client().describe_workspaces()["ResponseMetadata"]["HTTPStatusCode"], 200)


class TlsTest(unittest.TestCase):
    def test_https(self):
        folder = tempfile.mkdtemp(prefix="cubicle-tls-")
        cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        server = Server()
        try:
            import harness
            port = harness.free_port()
            # TLS only: --urls https://...
            server.proc = subprocess.Popen(["dotnet", DLL, "--urls", f"https://127.0.0.1:{port}", "--data", server.data,
                                            "--https-cert", cert, "--https-key", key], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            import boto3
            c = boto3.client("workspaces", endpoint_url=f"https://127.0.0.1:{port}", region_name="us-east-1",
                             aws_access_key_id="test", aws_secret_access_key="test", verify=cert)
            deadline = time.time() + 60
            while True:
                try:
                    dirs = c.describe_workspace_directories()["Directories"]
                    break
                except Exception:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
            self.assertEqual([d["DirectoryId"] for d in dirs], [DEMO_DIRECTORY])
            env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                       AWS_CA_BUNDLE=cert, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
            for cli in ["aws", "/usr/bin/aws"]:
                r = subprocess.run([cli, "workspaces", "describe-workspace-directories", "--endpoint-url", f"https://127.0.0.1:{port}"],
                                   capture_output=True, text=True, env=env, timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(DEMO_DIRECTORY, r.stdout)
        finally:
            server.stop()

    def test_https_url_without_certificate_refuses_to_start(self):
        r = subprocess.run(["dotnet", DLL, "--urls", "https://127.0.0.1:1", "--data", tempfile.mkdtemp()], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--https-cert", r.stderr)

    def test_default_key_only_on_loopback(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUBICLE_ROOT")}
        r = subprocess.run(["dotnet", DLL, "--urls", "http://0.0.0.0:1", "--data", tempfile.mkdtemp()], capture_output=True, text=True, timeout=60, env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CUBICLE_ROOT_ACCESS_KEY_ID", r.stderr)


class RootKeyTest(unittest.TestCase):
    def test_root_key_from_environment(self):
        server = Server(env={"CUBICLE_ROOT_ACCESS_KEY_ID": "AKIAROOTROOTROOT1234", "CUBICLE_ROOT_SECRET_ACCESS_KEY": "s3cr3t-root"}).start()
        try:
            self.assertEqual(server.client(key="AKIAROOTROOTROOT1234", secret="s3cr3t-root").describe_workspaces()["Workspaces"], [])
            with self.assertRaises(ClientError) as e:
                server.client().describe_workspaces()  # test/test is not valid once a root key is set
            self.assertEqual(code(e), "InvalidClientTokenId")
            self.assertNotIn("s3cr3t-root", server.log())
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
