"""Directories and users as AWS has them, through the real clients: a Simple AD made with Directory Service, its users
managed with Directory Service Data (AWS CLI v1) and ResetUserPassword, registered with WorkSpaces, and an AD Connector
to a real LDAP directory (Debian's slapd); then snapshots, restore, maintenance and the account, and the errors of each."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

from harness import BUNDLE, ROOT, Server, wait_for_state

VPC = {"VpcId": "vpc-0a1b2c3d", "SubnetIds": ["subnet-1a2b3c4d", "subnet-5e6f7a8b"]}


def code(ctx):
    return ctx.exception.response["Error"]["Code"]


def until(fetch, predicate, timeout=30, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fetch()
        if predicate(last):
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


def stage(ds, directory_id):
    return ds.describe_directories(DirectoryIds=[directory_id])["DirectoryDescriptions"][0]["Stage"]


def registration(ws, directory_id):
    found = ws.describe_workspace_directories(DirectoryIds=[directory_id])["Directories"]
    return found[0] if found else None


def ds_data(server, *args):
    """AWS CLI v1's ds-data commands (restJson1), as an operator runs them."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    r = subprocess.run(["aws", "ds-data", *args, "--endpoint-url", server.url, "--output", "json"],
                       capture_output=True, text=True, timeout=60, env=env)
    return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else {}), r.stderr


class SimpleAdTest(unittest.TestCase):
    """The whole setup without a directories file: create, wait, register, users and passwords, workspaces."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(transition_seconds=0.3).start()
        cls.ds = cls.server.client("ds")
        cls.ws = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def create(self, name="corp.test.example"):
        r = self.ds.create_directory(Name=name, ShortName="CORP", Password="Admin-Passw0rd", Size="Small", VpcSettings=VPC,
                                     Description="Test directory", Tags=[{"Key": "team", "Value": "qa"}])
        self.assertRegex(r["DirectoryId"], r"^d-[0-9a-f]{10}$")
        return r["DirectoryId"]

    def test_setup_flow_through_the_clients(self):
        directory = self.create()
        first = self.ds.describe_directories(DirectoryIds=[directory])["DirectoryDescriptions"][0]
        self.assertIn(first["Stage"], ("Requested", "Creating", "Active"))
        self.assertEqual((first["Type"], first["Name"], first["ShortName"], first["Size"]),
                         ("SimpleAD", "corp.test.example", "CORP", "Small"))
        self.assertEqual(first["VpcSettings"]["SubnetIds"], VPC["SubnetIds"])
        until(lambda: stage(self.ds, directory), lambda s: s == "Active", what="Active")
        described = self.ds.describe_directories(DirectoryIds=[directory])["DirectoryDescriptions"][0]
        self.assertEqual(len(described["DnsIpAddrs"]), 2)
        self.assertGreaterEqual(described["StageLastUpdatedDateTime"], described["LaunchTime"])

        # Register it with WorkSpaces: REGISTERING, then REGISTERED, with its settings shown.
        r = self.ws.register_workspace_directory(DirectoryId=directory, EnableSelfService=True)
        self.assertEqual(r["State"], "REGISTERING")
        reg = until(lambda: registration(self.ws, directory), lambda d: d["State"] == "REGISTERED", what="REGISTERED")
        self.assertEqual((reg["DirectoryType"], reg["DirectoryName"], reg["SubnetIds"]),
                         ("SIMPLE_AD", "corp.test.example", VPC["SubnetIds"]))
        self.assertEqual(reg["SelfservicePermissions"]["RebuildWorkspace"], "ENABLED")
        self.assertRegex(reg["RegistrationCode"], r"^SLiad\+[A-HJ-NP-Z2-9]{8}$")
        with self.assertRaises(ClientError) as e:
            self.ws.register_workspace_directory(DirectoryId=directory)
        self.assertEqual(code(e), "ResourceAlreadyExistsException")
        self.ws.modify_workspace_creation_properties(ResourceId=directory, WorkspaceCreationProperties={
            "EnableInternetAccess": True, "DefaultOu": "OU=Desks,DC=corp,DC=test,DC=example"})
        self.ws.modify_selfservice_permissions(ResourceId=directory, SelfservicePermissions={"ChangeComputeType": "DISABLED"})
        self.ws.modify_workspace_access_properties(ResourceId=directory, WorkspaceAccessProperties={"DeviceTypeLinux": "DENY"})
        reg = registration(self.ws, directory)
        self.assertEqual(reg["WorkspaceCreationProperties"]["DefaultOu"], "OU=Desks,DC=corp,DC=test,DC=example")
        self.assertTrue(reg["WorkspaceCreationProperties"]["EnableInternetAccess"])
        self.assertEqual(reg["SelfservicePermissions"]["ChangeComputeType"], "DISABLED")
        self.assertEqual(reg["SelfservicePermissions"]["RebuildWorkspace"], "ENABLED")
        self.assertEqual(reg["WorkspaceAccessProperties"]["DeviceTypeLinux"], "DENY")

        # Users through Directory Service Data (AWS CLI v1), once data access is enabled.
        rc, _, err = ds_data(self.server, "list-users", "--directory-id", directory)
        self.assertNotEqual(rc, 0)
        self.assertIn("AccessDeniedException", err)
        self.ds.enable_directory_data_access(DirectoryId=directory)
        until(lambda: self.ds.describe_directory_data_access(DirectoryId=directory)["DataAccessStatus"],
              lambda s: s == "Enabled", what="data access")
        rc, made, err = ds_data(self.server, "create-user", "--directory-id", directory, "--sam-account-name", "frank",
                                "--given-name", "Frank", "--surname", "Miller", "--email-address", "frank@corp.test.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(made["SAMAccountName"], "frank")
        self.assertRegex(made["SID"], r"^S-1-5-21-\d+-\d+-\d+-\d+$")
        rc, _, err = ds_data(self.server, "create-user", "--directory-id", directory, "--sam-account-name", "frank")
        self.assertIn("ConflictException", err)
        for name in ("grace", "heidi"):
            self.assertEqual(ds_data(self.server, "create-user", "--directory-id", directory, "--sam-account-name", name)[0], 0)
        rc, user, err = ds_data(self.server, "describe-user", "--directory-id", directory, "--sam-account-name", "frank")
        self.assertEqual(rc, 0, err)
        self.assertEqual((user["GivenName"], user["Surname"], user["Enabled"], user["UserPrincipalName"]),
                         ("Frank", "Miller", False, "frank@corp.test.example"))
        self.assertEqual(user["DistinguishedName"], "CN=frank,CN=Users,DC=corp,DC=test,DC=example")
        # The CLI follows NextToken by itself: with pages of 1, every user still comes once.
        rc, listed, err = ds_data(self.server, "list-users", "--directory-id", directory, "--page-size", "1")
        self.assertEqual(rc, 0, err)
        self.assertEqual([u["SAMAccountName"] for u in listed["Users"]], ["Administrator", "frank", "grace", "heidi"])
        rc, found, err = ds_data(self.server, "search-users", "--directory-id", directory, "--search-string", "Fra*",
                                 "--search-attributes", "givenName")
        self.assertEqual([u["SAMAccountName"] for u in found["Users"]], ["frank"], err)
        rc, _, err = ds_data(self.server, "update-user", "--directory-id", directory, "--sam-account-name", "frank",
                             "--surname", "Castle", "--update-type", "REPLACE")
        self.assertEqual(rc, 0, err)
        self.assertEqual(ds_data(self.server, "describe-user", "--directory-id", directory, "--sam-account-name", "frank")[1]["Surname"], "Castle")
        rc, _, err = ds_data(self.server, "describe-user", "--directory-id", directory, "--sam-account-name", "nobody")
        self.assertIn("ResourceNotFoundException", err)
        rc, _, err = ds_data(self.server, "create-user", "--directory-id", directory, "--sam-account-name", "bad name!")
        self.assertIn("ValidationException", err)
        self.assertIn("SAMAccountName", err)

        # Passwords with ResetUserPassword: the rules, an unknown user, and the user enabled.
        with self.assertRaises(ClientError) as e:
            self.ds.reset_user_password(DirectoryId=directory, UserName="frank", NewPassword="short")
        self.assertEqual(code(e), "InvalidPasswordException")
        with self.assertRaises(ClientError) as e:
            self.ds.reset_user_password(DirectoryId=directory, UserName="nobody", NewPassword="Val1d-Password")
        self.assertEqual(code(e), "UserDoesNotExistException")
        self.ds.reset_user_password(DirectoryId=directory, UserName="frank", NewPassword="Fr4nk-Password")
        self.assertTrue(ds_data(self.server, "describe-user", "--directory-id", directory, "--sam-account-name", "frank")[1]["Enabled"])

        # Workspaces for the directory's users; an unknown user fails in FailedRequests.
        r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=directory, UserName="frank", BundleId=BUNDLE),
                                                  dict(DirectoryId=directory, UserName="ghost", BundleId=BUNDLE)])
        self.assertEqual([f["ErrorCode"] for f in r["FailedRequests"]], ["ResourceNotFound.User"])
        wid = r["PendingRequests"][0]["WorkspaceId"]
        wait_for_state(self.ws, wid, "AVAILABLE")

        # What cannot go while it is in use.
        with self.assertRaises(ClientError) as e:
            self.ws.deregister_workspace_directory(DirectoryId=directory)
        self.assertEqual(code(e), "InvalidResourceStateException")
        with self.assertRaises(ClientError) as e:
            self.ds.delete_directory(DirectoryId=directory)
        self.assertEqual(code(e), "ClientException")

        # Disable and delete users; then tear everything down in order.
        self.assertEqual(ds_data(self.server, "disable-user", "--directory-id", directory, "--sam-account-name", "grace")[0], 0)
        self.assertFalse(ds_data(self.server, "describe-user", "--directory-id", directory, "--sam-account-name", "grace")[1]["Enabled"])
        self.assertEqual(ds_data(self.server, "delete-user", "--directory-id", directory, "--sam-account-name", "heidi")[0], 0)
        self.assertIn("ResourceNotFoundException",
                      ds_data(self.server, "describe-user", "--directory-id", directory, "--sam-account-name", "heidi")[2])
        self.ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": wid}])
        wait_for_state(self.ws, wid, "TERMINATED")
        self.ws.deregister_workspace_directory(DirectoryId=directory)
        self.assertIn(registration(self.ws, directory)["State"], ("DEREGISTERING", None))
        until(lambda: registration(self.ws, directory), lambda d: d is None, what="deregistered")
        self.assertEqual(self.ds.delete_directory(DirectoryId=directory)["DirectoryId"], directory)
        until(lambda: self.ds.describe_directories()["DirectoryDescriptions"],
              lambda ds: directory not in [d["DirectoryId"] for d in ds], what="deleted")
        with self.assertRaises(ClientError) as e:
            self.ds.describe_directories(DirectoryIds=[directory])
        self.assertEqual(code(e), "EntityDoesNotExistException")

    def test_directory_service_errors(self):
        with self.assertRaises(ClientError) as e:
            self.ds.create_directory(Name="corp.test.example", Password="weak", Size="Small", VpcSettings=VPC)
        self.assertEqual(code(e), "InvalidParameterException")
        self.assertIn("Password", e.exception.response["Error"]["Message"])
        self.assertNotIn("weak", e.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as e:
            self.ds.create_directory(Name="corp.test.example", Password="Admin-Passw0rd", Size="Huge", VpcSettings=VPC)
        self.assertEqual(code(e), "InvalidParameterException")
        self.assertIn("Size", e.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as e:
            self.ds.create_directory(Name="corp.test.example", Password="Admin-Passw0rd", Size="Small",
                                     VpcSettings={"VpcId": "vpc-0a1b2c3d", "SubnetIds": ["subnet-1a2b3c4d"]})
        self.assertEqual(code(e), "InvalidParameterException")
        self.assertIn("VpcSettings.SubnetIds", e.exception.response["Error"]["Message"])
        for call, kwargs in [(self.ds.delete_directory, {}), (self.ds.reset_user_password, {"UserName": "a", "NewPassword": "b"})]:
            with self.assertRaises(ClientError) as e:
                call(DirectoryId="d-0000000000", **kwargs)
            self.assertEqual(code(e), "EntityDoesNotExistException")
        with self.assertRaises(ClientError) as e:
            self.ds.describe_directory_data_access(DirectoryId="d-0000000000")
        self.assertEqual(code(e), "DirectoryDoesNotExistException")
        with self.assertRaises(ClientError) as e:
            self.ds.delete_directory(DirectoryId="not-an-id")
        self.assertEqual(code(e), "InvalidParameterException")
        with self.assertRaises(ClientError) as e:
            self.ws.register_workspace_directory(DirectoryId="d-0000000000")
        self.assertEqual(code(e), "ResourceNotFoundException")
        # A directory not Active yet cannot be registered.
        directory = self.create("young.test.example")
        if stage(self.ds, directory) != "Active":
            with self.assertRaises(ClientError) as e:
                self.ws.register_workspace_directory(DirectoryId=directory)
            self.assertEqual(code(e), "InvalidResourceStateException")
        until(lambda: stage(self.ds, directory), lambda s: s == "Active", what="Active")
        self.ds.enable_directory_data_access(DirectoryId=directory)
        until(lambda: self.ds.describe_directory_data_access(DirectoryId=directory)["DataAccessStatus"], lambda s: s == "Enabled")
        with self.assertRaises(ClientError) as e:
            self.ds.enable_directory_data_access(DirectoryId=directory)
        self.assertEqual(code(e), "DirectoryInDesiredStateException")

    def test_paging_of_describe_directories(self):
        made = [self.create(f"page{i}.test.example") for i in range(3)]
        seen, token = [], None
        while True:
            r = self.ds.describe_directories(Limit=2, **({"NextToken": token} if token else {}))
            seen += [d["DirectoryId"] for d in r["DirectoryDescriptions"]]
            token = r.get("NextToken")
            if not token:
                break
        for d in made:
            self.assertEqual(seen.count(d), 1)


    def test_a_policy_scoped_to_a_directory_holds_for_every_per_directory_action(self):
        """Allow ds:* and ds-data:*, but deny everything on one directory: nothing reaches it, the others work."""
        denied = self.create("denied.test.example")
        other = self.create("other.test.example")
        for d in (denied, other):
            until(lambda: stage(self.ds, d), lambda s: s == "Active", what="Active")
        self.ds.enable_directory_data_access(DirectoryId=other)
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ds:*", "ds-data:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": ["ds:*", "ds-data:*"],
             "Resource": f"arn:aws:ds:us-east-1:000000000000:directory/{denied}"}]}
        path = os.path.join(self.server.data, "scoped-policy.json")
        with open(path, "w") as f:
            json.dump(policy, f)
        r = self.server.cli("keys", "create", "--account", "000000000000", "--policy", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        key = json.loads(r.stdout)
        ds = self.server.client("ds", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        data = self.server.client("ds-data", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        calls = [lambda: ds.reset_user_password(DirectoryId=denied, UserName="Administrator",
                                                NewPassword="Val1d-Password"),
                 lambda: ds.enable_directory_data_access(DirectoryId=denied),
                 lambda: ds.describe_directory_data_access(DirectoryId=denied),
                 lambda: ds.delete_directory(DirectoryId=denied)]
        for call in calls:
            with self.assertRaises(ClientError) as e:
                call()
            self.assertEqual(e.exception.response["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(stage(self.ds, denied), "Active")
        # Directory Service Data answers a policy's refusal as restJson1 does: 403, with its reason.
        with self.assertRaises(ClientError) as e:
            data.list_users(DirectoryId=denied)
        self.assertEqual((e.exception.response["Error"]["Code"],
                          e.exception.response["ResponseMetadata"]["HTTPStatusCode"]), ("AccessDeniedException", 403))
        self.assertEqual(ds.describe_directory_data_access(DirectoryId=other)["DataAccessStatus"] in
                         ("Enabling", "Enabled"), True)


    def test_search_users_wildcards_cost_a_scan_whatever_the_pattern(self):
        """SearchUsers with a pattern made to make a backtracking regular expression explode (*a*a*a...*b, the
        longest SearchString there is) against values it nearly matches: each call answers at once with the right
        users, never a 500; ordinary wildcard searches keep their results."""
        directory = self.create("search.test.example")
        until(lambda: stage(self.ds, directory), lambda s: s == "Active", what="Active")
        self.ds.enable_directory_data_access(DirectoryId=directory)
        until(lambda: self.ds.describe_directory_data_access(DirectoryId=directory)["DataAccessStatus"],
              lambda s: s == "Enabled", what="data access")
        data = self.server.client("ds-data")
        for name, given in (("ann", "a" * 64), ("abe", "a" * 63 + "b"), ("bob", "Bobby"), ("cara", "Carabiner")):
            data.create_user(DirectoryId=directory, SAMAccountName=name, GivenName=given)

        def search(pattern):
            found = data.search_users(DirectoryId=directory, SearchString=pattern, SearchAttributes=["givenName"])
            return sorted(u["SAMAccountName"] for u in found["Users"])

        hostile = "*a" * 31 + "*b"
        self.assertEqual(len(hostile), 64)
        for _ in range(5):
            started = time.monotonic()
            self.assertEqual(search(hostile), ["abe"])
            self.assertLess(time.monotonic() - started, 5, "the hostile pattern must not cost more than a scan")
        self.assertEqual(search("*a" * 32), ["ann"])
        self.assertEqual(search("Bob*"), ["bob"])
        self.assertEqual(search("*BINER"), ["cara"])
        self.assertEqual(search("*a*b*"), ["abe", "cara"])
        self.assertEqual(search("a*b"), ["abe"])
        self.assertEqual(search("ara"), ["cara"], "a search string without stars also finds values holding it")
        self.assertEqual(search("*"), ["abe", "ann", "bob", "cara"])
        self.assertEqual(search("c*a*b*r"), ["cara"])
        self.assertEqual(search("b*y*z"), [])
        self.assertNotIn("RegexMatchTimeoutException", self.server.log())


class WorkspaceStateTest(unittest.TestCase):
    """Snapshots, restore, maintenance and the account, on the demo directory."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(transition_seconds=0.3).start()
        cls.ws = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_snapshots_restore_and_maintenance(self):
        r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId="d-926722edaf", UserName="alice", BundleId=BUNDLE)])
        wid = r["PendingRequests"][0]["WorkspaceId"]
        with self.assertRaises(ClientError) as e:
            self.ws.restore_workspace(WorkspaceId=wid)  # PENDING
        self.assertEqual(code(e), "OperationNotSupportedException")
        wait_for_state(self.ws, wid, "AVAILABLE")
        snaps = until(lambda: self.ws.describe_workspace_snapshots(WorkspaceId=wid),
                      lambda s: s["RestoreSnapshots"], what="a first snapshot")
        self.assertEqual(len(snaps["RebuildSnapshots"]), len(snaps["RestoreSnapshots"]))
        self.assertLess(abs(snaps["RestoreSnapshots"][0]["SnapshotTime"].timestamp() - time.time()), 120)
        self.ws.restore_workspace(WorkspaceId=wid)
        self.assertIn(self.ws.describe_workspaces(WorkspaceIds=[wid])["Workspaces"][0]["State"], ("RESTORING", "AVAILABLE"))
        wait_for_state(self.ws, wid, "AVAILABLE")

        self.ws.modify_workspace_state(WorkspaceId=wid, WorkspaceState="ADMIN_MAINTENANCE")
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[wid])["Workspaces"][0]["State"], "ADMIN_MAINTENANCE")
        self.ws.modify_workspace_state(WorkspaceId=wid, WorkspaceState="AVAILABLE")
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[wid])["Workspaces"][0]["State"], "AVAILABLE")
        with self.assertRaises(ClientError) as e:
            self.ws.modify_workspace_state(WorkspaceId=wid, WorkspaceState="STOPPED")
        self.assertEqual(code(e), "InvalidParameterValuesException")
        with self.assertRaises(ClientError) as e:
            self.ws.describe_workspace_snapshots(WorkspaceId="ws-000000000")
        self.assertEqual(code(e), "ResourceNotFoundException")

    def test_account_and_always_on_timeout(self):
        account = self.ws.describe_account()
        self.assertEqual(account["DedicatedTenancySupport"], "DISABLED")
        r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId="d-926722edaf", UserName="bob", BundleId=BUNDLE,
                                                       WorkspaceProperties={"RunningMode": "ALWAYS_ON",
                                                                            "RunningModeAutoStopTimeoutInMinutes": 60})])
        self.assertEqual(r["PendingRequests"], [])
        self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "AutoStopTimeoutIsNotApplicableForAnAlwaysOnWorkspace")


class AdConnectorTest(unittest.TestCase):
    """An AD Connector to a real LDAP directory (Debian's slapd, seeded with users and a service account)."""

    @classmethod
    def setUpClass(cls):
        env = subprocess.run(["bash", os.path.join(ROOT, "tests", "ldap", "slapd.sh"), "start", "corp.example.com"],
                             capture_output=True, text=True, check=True).stdout
        cls.ldap = dict(part.split("=", 1) for part in env.replace("export ", "").replace("'", "").split())
        # slapd listens on loopback: only --ldap-allow-loopback lets ConnectDirectory name it.
        cls.server = Server("--ldap-port", cls.ldap["LDAP_PORT"], "--ldap-bind-format", "cn={user},{base}",
                            "--ldap-health-seconds", "1", "--ldap-timeout-seconds", "2", "--ldap-allow-loopback", "true",
                            transition_seconds=0.3).start()
        cls.ds = cls.server.client("ds")
        cls.ws = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        subprocess.run(["bash", os.path.join(ROOT, "tests", "ldap", "slapd.sh"), "stop", cls.ldap["LDAP_DIR"]])

    def slapd(self, action):
        subprocess.run(["bash", os.path.join(ROOT, "tests", "ldap", "slapd.sh"), action, self.ldap["LDAP_DIR"]], check=True)

    def connect(self, password="svc-password"):
        return self.ds.connect_directory(Name="corp.example.com", ShortName="CORP", Password=password, Size="Small",
                                         ConnectSettings=dict(VPC, CustomerDnsIps=["127.0.0.1"], CustomerUserName="svc"))["DirectoryId"]

    def test_connect_register_users_and_reachability(self):
        directory = self.connect()
        until(lambda: stage(self.ds, directory), lambda s: s == "Active", what="Active")
        described = self.ds.describe_directories(DirectoryIds=[directory])["DirectoryDescriptions"][0]
        self.assertEqual((described["Type"], described["ConnectSettings"]["CustomerUserName"]), ("ADConnector", "svc"))
        # Binds go in clear (--ldap-security none): said in the log at ConnectDirectory, and shown by the directory.
        self.assertIn("without TLS", described["StageReason"])
        self.assertRegex(self.server.log(), rf"warn: .*AD Connector {directory} reaches its LDAP servers without TLS")
        self.assertNotIn("svc-password", json.dumps(described, default=str))
        self.assertNotIn(b"svc-password", self.server.database_dump(), "the service account's password is stored sealed")
        self.ws.register_workspace_directory(DirectoryId=directory)
        until(lambda: registration(self.ws, directory), lambda d: d["State"] == "REGISTERED")
        self.assertEqual(registration(self.ws, directory)["DirectoryType"], "AD_CONNECTOR")

        # Users are looked up in the LDAP directory: alice exists there, zoe does not.
        r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=directory, UserName="alice", BundleId=BUNDLE),
                                                  dict(DirectoryId=directory, UserName="zoe", BundleId=BUNDLE)])
        self.assertEqual([f["ErrorCode"] for f in r["FailedRequests"]], ["ResourceNotFound.User"])
        wait_for_state(self.ws, r["PendingRequests"][0]["WorkspaceId"], "AVAILABLE")
        with self.assertRaises(ClientError) as e:
            self.ds.reset_user_password(DirectoryId=directory, UserName="alice", NewPassword="Val1d-Password")
        self.assertEqual(code(e), "UnsupportedOperationException")

        # The LDAP servers go away: the directory is Impaired, creations fail clearly, the rest keeps working.
        self.slapd("pause")
        try:
            until(lambda: stage(self.ds, directory), lambda s: s == "Impaired", what="Impaired")
            r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=directory, UserName="bob", BundleId=BUNDLE)])
            self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "InvalidResourceState.Directory")
            self.assertIn("LDAP", r["FailedRequests"][0]["ErrorMessage"])
            self.assertTrue(self.ws.describe_workspaces()["Workspaces"])
        finally:
            self.slapd("resume")
        until(lambda: stage(self.ds, directory), lambda s: s == "Active", what="Active again")
        r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=directory, UserName="bob", BundleId=BUNDLE)])
        self.assertEqual(r["FailedRequests"], [])

    def test_a_refused_service_account_fails_the_directory(self):
        directory = self.connect(password="not-the-password")
        described = until(lambda: self.ds.describe_directories(DirectoryIds=[directory])["DirectoryDescriptions"][0],
                          lambda d: d["Stage"] == "Failed", timeout=60, what="Failed")
        self.assertIn("svc", described["StageReason"])


def own_addresses():
    """This host's IPv4 addresses other than loopback, as the kernel lists them."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True).stdout
    return [a for a in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out) if not a.startswith("127.")]


class LdapTargetTest(unittest.TestCase):
    """ConnectDirectory's CustomerDnsIps are where the service account's password is sent: without
    --ldap-allow-loopback, this host (loopback, 0.0.0.0/8, its own addresses) and link-local addresses (a cloud's
    metadata service) are refused with InvalidParameterException naming the member, before anything is stored or
    connected to."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(transition_seconds=0.3).start()
        cls.ds = cls.server.client("ds")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_this_host_and_link_local_addresses_are_refused(self):
        # Loopback first: where it were accepted the test stops there, and nothing is sent beyond this host.
        refused = [["127.0.0.1"], ["127.10.20.30"], ["127.000.000.001"], ["0.0.0.0"], own_addresses()[:1],
                   ["169.254.169.254"]]
        for ips in filter(None, refused):
            with self.assertRaises(ClientError, msg=f"{ips} accepted") as e:
                self.ds.connect_directory(Name="corp.example.com", Password="svc-password", Size="Small",
                                          ConnectSettings=dict(VPC, CustomerDnsIps=ips, CustomerUserName="svc"))
            self.assertEqual(code(e), "InvalidParameterException", ips)
            self.assertIn("ConnectSettings.CustomerDnsIps[0]", e.exception.response["Error"]["Message"])
        made = [d for d in self.ds.describe_directories()["DirectoryDescriptions"] if d["Type"] == "ADConnector"]
        self.assertEqual(made, [], "nothing was made")


def make_ca(folder, name):
    """A private CA made with openssl: (certificate, key) paths."""
    cert, key = os.path.join(folder, name + ".pem"), os.path.join(folder, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", f"/CN=Cubicle test {name}"], check=True, capture_output=True)
    return cert, key


def make_server_certificate(folder, ca):
    """A certificate for 127.0.0.1 (the address the directory is reached at) signed by the CA."""
    cert, key, csr, ext = (os.path.join(folder, n) for n in ("slapd.pem", "slapd.key", "slapd.csr", "ext.cnf"))
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
                    "-out", cert, "-days", "2", "-extfile", ext], check=True, capture_output=True)
    return cert, key


class LdapTlsTest(unittest.TestCase):
    """--ldap-ca-file with a private CA: an AD Connector binds over StartTLS and over LDAPS to a slapd whose certificate
    that CA signed (slapd refuses any operation made without TLS), and is refused by a slapd whose certificate another
    CA signed. (Before, --ldap-ca-file set a variable in .NET's copy of the environment, which libldap never reads.)"""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="cubicle-ldap-ca-")
        cls.ca = make_ca(cls.folder, "ca")
        cls.other_ca = make_ca(cls.folder, "other-ca")
        cert, key = make_server_certificate(cls.folder, cls.ca)
        env = dict(os.environ, LDAP_TLS_CERT=cert, LDAP_TLS_KEY=key, LDAP_TLS_CA=cls.ca[0])
        out = subprocess.run(["bash", os.path.join(ROOT, "tests", "ldap", "slapd.sh"), "start", "corp.example.com"],
                             capture_output=True, text=True, check=True, env=env).stdout
        cls.ldap = dict(part.split("=", 1) for part in out.replace("export ", "").replace("'", "").split())

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["bash", os.path.join(ROOT, "tests", "ldap", "slapd.sh"), "stop", cls.ldap["LDAP_DIR"]])
        shutil.rmtree(cls.folder, ignore_errors=True)

    def connect_with(self, security, port, ca_file):
        server = Server("--ldap-security", security, "--ldap-port", port, "--ldap-ca-file", ca_file,
                        "--ldap-bind-format", "cn={user},{base}", "--ldap-timeout-seconds", "2",
                        "--ldap-allow-loopback", "true", transition_seconds=0.1).start()
        try:
            ds = server.client("ds")
            directory = ds.connect_directory(Name="corp.example.com", Password="svc-password", Size="Small",
                                             ConnectSettings=dict(VPC, CustomerDnsIps=["127.0.0.1"],
                                                                  CustomerUserName="svc"))["DirectoryId"]
            described = until(lambda: ds.describe_directories(DirectoryIds=[directory])["DirectoryDescriptions"][0],
                              lambda d: d["Stage"] in ("Active", "Failed"), timeout=90, what="Active or Failed")
            if described["Stage"] == "Active":
                # A user is looked up through the same TLS connection: alice is there, zoe is not.
                ws = server.client()
                ws.register_workspace_directory(DirectoryId=directory)
                until(lambda: registration(ws, directory), lambda d: d and d["State"] == "REGISTERED")
                r = ws.create_workspaces(Workspaces=[dict(DirectoryId=directory, UserName="alice", BundleId=BUNDLE),
                                                     dict(DirectoryId=directory, UserName="zoe", BundleId=BUNDLE)])
                self.assertEqual([f["ErrorCode"] for f in r["FailedRequests"]], ["ResourceNotFound.User"])
                self.assertNotIn("without TLS", described.get("StageReason") or "")
                self.assertNotIn("without TLS", server.log())
            return described
        finally:
            server.stop()

    def test_starttls_with_the_private_ca(self):
        described = self.connect_with("starttls", self.ldap["LDAP_PORT"], self.ca[0])
        self.assertEqual(described["Stage"], "Active", described.get("StageReason"))

    def test_ldaps_with_the_private_ca(self):
        described = self.connect_with("ldaps", self.ldap["LDAPS_PORT"], self.ca[0])
        self.assertEqual(described["Stage"], "Active", described.get("StageReason"))

    def test_a_certificate_signed_by_another_ca_is_refused(self):
        for security, port in (("starttls", self.ldap["LDAP_PORT"]), ("ldaps", self.ldap["LDAPS_PORT"])):
            with self.subTest(security=security):
                described = self.connect_with(security, port, self.other_ca[0])
                self.assertEqual(described["Stage"], "Failed")
                self.assertIn("trusted CA", described["StageReason"])


if __name__ == "__main__":
    unittest.main()
