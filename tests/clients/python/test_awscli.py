"""Conformance of Cubicle with the AWS CLI: v1 (pip, `aws` on PATH) and v2 (Debian's awscli, /usr/bin/aws)."""
import json
import os
import shutil
import subprocess
import unittest

from harness import BUNDLE, DEMO_DIRECTORY, Server, wait_for_state


def find_clis():
    clis = {}
    for path in [shutil.which("aws"), "/usr/bin/aws"]:
        if not path or not os.path.exists(path):
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout + subprocess.run([path, "--version"], capture_output=True, text=True).stderr
        major = "v2" if "aws-cli/2." in version else "v1"
        clis.setdefault(major, path)
    return clis


CLIS = find_clis()


class AwsCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if set(CLIS) != {"v1", "v2"}:
            raise AssertionError(f"both AWS CLI v1 and v2 must be installed, found {CLIS}")
        cls.server = Server().start()
        cls.env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                       AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        cls.env.pop("AWS_PROFILE", None)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def aws(self, cli, *args, ok=True):
        r = subprocess.run([CLIS[cli], "workspaces", *args, "--endpoint-url", self.server.url, "--output", "json"],
                           capture_output=True, text=True, env=self.env, timeout=120)
        if ok:
            self.assertEqual(r.returncode, 0, f"{cli} {args}: {r.stderr}")
            return json.loads(r.stdout) if r.stdout.strip() else {}
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.returncode, 254 if cli == "v2" else 255, r.stderr)
        return r.stderr

    def test_every_action(self):
        for cli, user in [("v1", "alice"), ("v2", "bob")]:
            with self.subTest(cli=cli):
                created = self.aws(cli, "create-workspaces", "--workspaces", json.dumps([{
                    "DirectoryId": DEMO_DIRECTORY, "UserName": user, "BundleId": BUNDLE,
                    "WorkspaceProperties": {"RunningMode": "AUTO_STOP", "RunningModeAutoStopTimeoutInMinutes": 60},
                    "Tags": [{"Key": "cli", "Value": cli}]}]))
                self.assertEqual(created["FailedRequests"], [])
                wid = created["PendingRequests"][0]["WorkspaceId"]
                wait_for_state(self.server.client(), wid, "AVAILABLE")
                got = self.aws(cli, "describe-workspaces", "--workspace-ids", wid)["Workspaces"][0]
                self.assertEqual((got["State"], got["UserName"]), ("AVAILABLE", user))
                self.assertEqual(self.aws(cli, "describe-tags", "--resource-id", wid)["TagList"], [{"Key": "cli", "Value": cli}])
                self.aws(cli, "create-tags", "--resource-id", wid, "--tags", "Key=owner,Value=ops")
                self.aws(cli, "delete-tags", "--resource-id", wid, "--tag-keys", "cli")
                self.assertEqual(self.aws(cli, "describe-tags", "--resource-id", wid)["TagList"], [{"Key": "owner", "Value": "ops"}])
                self.aws(cli, "modify-workspace-properties", "--workspace-id", wid, "--workspace-properties", "RunningModeAutoStopTimeoutInMinutes=120")
                self.assertEqual(self.aws(cli, "describe-workspaces", "--workspace-ids", wid)["Workspaces"][0]["WorkspaceProperties"]["RunningModeAutoStopTimeoutInMinutes"], 120)
                status = self.aws(cli, "describe-workspaces-connection-status", "--workspace-ids", wid)["WorkspacesConnectionStatus"][0]
                self.assertEqual(status["ConnectionState"], "DISCONNECTED")
                self.assertEqual(self.aws(cli, "reboot-workspaces", "--reboot-workspace-requests", wid)["FailedRequests"], [])
                wait_for_state(self.server.client(), wid, "AVAILABLE")
                self.assertEqual(self.aws(cli, "rebuild-workspaces", "--rebuild-workspace-requests", wid)["FailedRequests"], [])
                wait_for_state(self.server.client(), wid, "AVAILABLE")
                self.assertEqual(self.aws(cli, "stop-workspaces", "--stop-workspace-requests", f"WorkspaceId={wid}")["FailedRequests"], [])
                wait_for_state(self.server.client(), wid, "STOPPED")
                self.assertEqual(self.aws(cli, "describe-workspaces-connection-status", "--workspace-ids", wid)["WorkspacesConnectionStatus"][0]["ConnectionState"], "UNKNOWN")
                self.assertEqual(self.aws(cli, "start-workspaces", "--start-workspace-requests", f"WorkspaceId={wid}")["FailedRequests"], [])
                wait_for_state(self.server.client(), wid, "AVAILABLE")
                failed = self.aws(cli, "terminate-workspaces", "--terminate-workspace-requests", wid, "ws-000000000")["FailedRequests"]
                self.assertEqual([(f["WorkspaceId"], f["ErrorCode"]) for f in failed], [("ws-000000000", "ResourceNotFound.Workspace")])
                wait_for_state(self.server.client(), wid, "TERMINATED")
                dirs = self.aws(cli, "describe-workspace-directories")["Directories"]
                self.assertEqual([d["DirectoryId"] for d in dirs], [DEMO_DIRECTORY])
                bundles = self.aws(cli, "describe-workspace-bundles", "--owner", "AMAZON")["Bundles"]
                self.assertEqual(len(bundles), 30)  # the CLI follows NextToken itself

    def test_auto_pagination(self):
        users = ["carol", "dave", "erin", "mary"]
        self.aws("v2", "create-workspaces", "--workspaces", json.dumps([{"DirectoryId": DEMO_DIRECTORY, "UserName": u, "BundleId": BUNDLE} for u in users]))
        for cli in ["v1", "v2"]:
            with self.subTest(cli=cli):
                all_ws = self.aws(cli, "describe-workspaces", "--page-size", "1")["Workspaces"]
                ids = [w["WorkspaceId"] for w in all_ws]
                self.assertEqual(len(ids), len(set(ids)))
                self.assertTrue(set(users) <= {w["UserName"] for w in all_ws})
                first = self.aws(cli, "describe-workspaces", "--max-items", "2")
                self.assertEqual(len(first["Workspaces"]), 2)
                self.assertIn("NextToken", first)

    def test_errors(self):
        for cli in ["v1", "v2"]:
            with self.subTest(cli=cli):
                err = self.aws(cli, "describe-tags", "--resource-id", "ws-000000000", ok=False)
                self.assertIn("An error occurred (ResourceNotFoundException) when calling the DescribeTags operation", err)
                err = self.aws(cli, "describe-workspaces", "--user-name", "alice", ok=False)
                self.assertIn("(InvalidParameterValuesException)", err)
                self.assertIn("UserName", err)
                err = self.aws(cli, "modify-workspace-properties", "--workspace-id", "ws-000000000", "--workspace-properties", "RunningMode=AUTO_STOP", ok=False)
                self.assertIn("(ResourceNotFoundException)", err)
                err = self.aws(cli, "describe-workspace-bundles", "--owner", "AMAZON", "--bundle-ids", BUNDLE, ok=False)
                self.assertIn("(InvalidParameterValuesException)", err)

    def test_bad_credentials(self):
        env = dict(self.env, AWS_SECRET_ACCESS_KEY="wrong")
        for cli in ["v1", "v2"]:
            r = subprocess.run([CLIS[cli], "workspaces", "describe-workspaces", "--endpoint-url", self.server.url],
                               capture_output=True, text=True, env=env, timeout=120)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("InvalidSignatureException", r.stderr)


if __name__ == "__main__":
    unittest.main()
