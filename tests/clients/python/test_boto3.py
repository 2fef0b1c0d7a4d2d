"""Conformance of Cubicle with boto3: every action, its errors, pagination, lifecycles and crash recovery."""
import json
import os
import time
import unittest
import urllib.request
import urllib.error

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

from harness import BUNDLE, DEMO_DIRECTORY, Server, wait_for_state, write_directories

D2 = "d-0123456789"     # a second directory, same account and region
D_WEST = "d-abcdef0123"  # a directory in us-west-2


def directories_file(folder):
    return write_directories(os.path.join(folder, "directories.json"), [
        {"DirectoryId": DEMO_DIRECTORY, "DirectoryName": "corp.example.com", "Users": ["alice", "bob", "carol", "dave", "erin", "mary"] + [f"user{i:02d}" for i in range(40)]},
        {"DirectoryId": D2, "DirectoryName": "lab.example.com", "SubnetIds": ["subnet-11111111"], "SubnetCidrs": {"subnet-11111111": "192.168.7.0/28"},
         "Users": ["alice", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11", "u12"]},
        {"DirectoryId": D_WEST, "DirectoryName": "west.example.com", "Region": "us-west-2", "Users": ["alice"]},
    ])


def code(ctx):
    return ctx.exception.response["Error"]["Code"]


def message(ctx):
    return ctx.exception.response["Error"]["Message"]


class ServerTest(unittest.TestCase):
    args = ()
    transition = 0.3

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.args, transition_seconds=cls.transition)
        dirs = directories_file(cls.server.data)
        cls.server.args += ["--directories", dirs]
        cls.server.start()
        cls.ws = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def create(self, user, directory=DEMO_DIRECTORY, bundle=BUNDLE, **extra):
        r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=directory, UserName=user, BundleId=bundle, **extra)])
        self.assertEqual(r["FailedRequests"], [], r)
        return r["PendingRequests"][0]

    def available(self, user, **extra):
        w = self.create(user, **extra)
        return wait_for_state(self.ws, w["WorkspaceId"], "AVAILABLE")

    def count(self):
        return len(list(self.ws.get_paginator("describe_workspaces").paginate().search("Workspaces[]")))


class CatalogTest(ServerTest):
    def test_amazon_bundles_are_paged_and_complete(self):
        first = self.ws.describe_workspace_bundles(Owner="AMAZON")
        self.assertEqual(len(first["Bundles"]), 25)
        self.assertIn("NextToken", first)
        self.assertLessEqual(len(first["NextToken"]), 63)
        second = self.ws.describe_workspace_bundles(Owner="AMAZON", NextToken=first["NextToken"])
        self.assertNotIn("NextToken", second)
        bundles = first["Bundles"] + second["Bundles"]
        self.assertEqual(len({b["BundleId"] for b in bundles}), 30)
        computes = {b["ComputeType"]["Name"] for b in bundles}
        self.assertTrue({"VALUE", "STANDARD", "PERFORMANCE"} <= computes)
        for b in bundles:
            self.assertEqual(b["Owner"], "AMAZON")
            self.assertRegex(b["BundleId"], r"^wsb-[0-9a-z]{8,63}$")
            self.assertTrue(int(b["UserStorage"]["Capacity"]) > 0)
            self.assertTrue(int(b["RootStorage"]["Capacity"]) > 0)
        paged = list(self.ws.get_paginator("describe_workspace_bundles").paginate(Owner="AMAZON").search("Bundles[].BundleId"))
        self.assertEqual(sorted(paged), sorted(b["BundleId"] for b in bundles))

    def test_bundle_filters(self):
        r = self.ws.describe_workspace_bundles(BundleIds=[BUNDLE, "wsb-00000000"])
        self.assertEqual([b["BundleId"] for b in r["Bundles"]], [BUNDLE])
        self.assertEqual(self.ws.describe_workspace_bundles()["Bundles"], [])  # the caller owns none
        with self.assertRaises(ClientError) as e:
            self.ws.describe_workspace_bundles(BundleIds=[BUNDLE], Owner="AMAZON")
        self.assertEqual(code(e), "InvalidParameterValuesException")
        with self.assertRaises(ClientError) as e:
            self.ws.describe_workspace_bundles(BundleIds=["bad-id"])
        self.assertEqual(code(e), "InvalidParameterValuesException")
        self.assertIn("BundleIds[0]", message(e))

    def test_directories(self):
        dirs = self.ws.describe_workspace_directories()["Directories"]
        self.assertEqual(sorted(d["DirectoryId"] for d in dirs), sorted([DEMO_DIRECTORY, D2]))
        d = next(d for d in dirs if d["DirectoryId"] == D2)
        self.assertEqual(d["State"], "REGISTERED")
        self.assertEqual(d["SubnetIds"], ["subnet-11111111"])
        self.assertTrue(1 <= len(d["RegistrationCode"]) <= 20)
        one = self.ws.describe_workspace_directories(DirectoryIds=[D2])["Directories"]
        self.assertEqual([x["DirectoryId"] for x in one], [D2])
        page = self.ws.describe_workspace_directories(Limit=1)
        self.assertEqual(len(page["Directories"]), 1)
        rest = self.ws.describe_workspace_directories(Limit=1, NextToken=page["NextToken"])
        self.assertNotIn("NextToken", rest)
        self.assertNotEqual(page["Directories"][0]["DirectoryId"], rest["Directories"][0]["DirectoryId"])
        west = self.server.client(region="us-west-2").describe_workspace_directories()["Directories"]
        self.assertEqual([x["DirectoryId"] for x in west], [D_WEST])
        with self.assertRaises(ClientError) as e:
            self.ws.describe_workspace_directories(DirectoryIds=["d-XYZ"])
        self.assertEqual(code(e), "InvalidParameterValuesException")


class CreateTest(ServerTest):
    def test_create_returns_pending_then_available_with_ip(self):
        w = self.create("alice", Tags=[{"Key": "team", "Value": "blue"}],
                        WorkspaceProperties={"RunningMode": "AUTO_STOP", "RunningModeAutoStopTimeoutInMinutes": 120})
        self.assertEqual(w["State"], "PENDING")
        self.assertRegex(w["WorkspaceId"], r"^ws-[0-9a-z]{8,63}$")
        done = wait_for_state(self.ws, w["WorkspaceId"], "AVAILABLE")
        self.assertEqual(done["UserName"], "alice")
        self.assertEqual(done["BundleId"], BUNDLE)
        self.assertEqual(done["WorkspaceProperties"]["RunningMode"], "AUTO_STOP")
        self.assertEqual(done["WorkspaceProperties"]["RunningModeAutoStopTimeoutInMinutes"], 120)
        self.assertIn(done["SubnetId"], ["subnet-0a1b2c3d", "subnet-4e5f6a7b"] + self.ws.describe_workspace_directories(DirectoryIds=[DEMO_DIRECTORY])["Directories"][0]["SubnetIds"])
        self.assertTrue(done["ComputerName"])
        self.assertRegex(done["IpAddress"], r"^\d+\.\d+\.\d+\.\d+$")
        self.assertEqual(self.ws.describe_tags(ResourceId=w["WorkspaceId"])["TagList"], [{"Key": "team", "Value": "blue"}])

    def test_ip_addresses_are_unique_and_from_the_subnet(self):
        r = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=D2, UserName=f"u{i}", BundleId=BUNDLE) for i in range(1, 13)])
        ok = r["PendingRequests"]
        # 192.168.7.0/28 has 16 addresses; 4 at the start and the last are reserved: 11 usable.
        self.assertEqual(len(ok), 11)
        self.assertEqual(len(r["FailedRequests"]), 1)
        self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "InsufficientIpAddresses.Subnet")
        ips = [w["IpAddress"] for w in ok]
        self.assertEqual(len(set(ips)), 11)
        for ip in ips:
            last = int(ip.split(".")[-1])
            self.assertTrue(ip.startswith("192.168.7.") and 4 <= last <= 14, ip)
        self.ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w["WorkspaceId"]} for w in ok])

    def test_per_item_failures_and_good_items_go_through(self):
        r = self.ws.create_workspaces(Workspaces=[
            dict(DirectoryId=DEMO_DIRECTORY, UserName="bob", BundleId=BUNDLE),
            dict(DirectoryId=DEMO_DIRECTORY, UserName="nobody", BundleId=BUNDLE),
            dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId="wsb-000000000"),
            dict(DirectoryId="d-00000000ff", UserName="carol", BundleId=BUNDLE),
            dict(DirectoryId=D_WEST, UserName="alice", BundleId=BUNDLE),
            dict(DirectoryId=DEMO_DIRECTORY, UserName="bob", BundleId=BUNDLE),
        ])
        self.assertEqual([w["UserName"] for w in r["PendingRequests"]], ["bob"])
        codes = [(f["WorkspaceRequest"]["UserName"], f["ErrorCode"]) for f in r["FailedRequests"]]
        self.assertEqual(codes, [("nobody", "ResourceNotFound.User"), ("carol", "ResourceNotFound.Bundle"),
                                 ("carol", "ResourceNotFound.Directory"), ("alice", "ResourceNotFound.Directory"),
                                 ("bob", "ResourceExists.WorkSpace")])
        for f in r["FailedRequests"]:
            self.assertTrue(f["ErrorMessage"])
        again = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="BOB", BundleId=BUNDLE)])
        self.assertEqual(again["FailedRequests"][0]["ErrorCode"], "ResourceExists.WorkSpace")

    def test_invalid_input_is_rejected_whole_and_writes_nothing(self):
        before = self.count()
        cases = [
            ([dict(DirectoryId="x-1", UserName="carol", BundleId=BUNDLE)], "Workspaces[0].DirectoryId"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId="bundle")], "Workspaces[0].BundleId"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName="x" * 64, BundleId=BUNDLE)], "Workspaces[0].UserName"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId=BUNDLE, WorkspaceProperties={"RunningMode": "SOMETIMES"})], "Workspaces[0].WorkspaceProperties.RunningMode"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId=BUNDLE, WorkspaceProperties={"RunningModeAutoStopTimeoutInMinutes": 90})], "RunningModeAutoStopTimeoutInMinutes"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId=BUNDLE, Tags=[{"Key": "k" * 128, "Value": "v"}])], "Workspaces[0].Tags[0].Key"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId=BUNDLE, Tags=[{"Key": "k", "Value": "v" * 256}])], "Workspaces[0].Tags[0].Value"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName=f"user{i:02d}", BundleId=BUNDLE) for i in range(26)], "Workspaces"),
            ([dict(DirectoryId=DEMO_DIRECTORY, UserName="carol", BundleId=BUNDLE), dict(DirectoryId=DEMO_DIRECTORY, UserName="dave", BundleId="nope")], "Workspaces[1].BundleId"),
        ]
        for workspaces, member in cases:
            with self.subTest(member=member):
                with self.assertRaises(ClientError) as e:
                    self.ws.create_workspaces(Workspaces=workspaces)
                self.assertEqual(code(e), "InvalidParameterValuesException")
                self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
                self.assertIn(member, message(e))
        self.assertEqual(self.count(), before)

    def test_newer_members_are_accepted(self):
        w = self.create("dave", WorkspaceName="daves-desk", WorkspaceProperties={
            "RunningMode": "ALWAYS_ON", "RootVolumeSizeGib": 100, "UserVolumeSizeGib": 60, "ComputeTypeName": "PERFORMANCE",
            "Protocols": ["WSP"], "OperatingSystemName": "AMAZON_LINUX_2"}, VolumeEncryptionKey="", UserVolumeEncryptionEnabled=False)
        got = self.ws.describe_workspaces(WorkspaceName="daves-desk")["Workspaces"]
        self.assertEqual([x["WorkspaceId"] for x in got], [w["WorkspaceId"]])
        p = got[0]["WorkspaceProperties"]
        self.assertEqual((p["RootVolumeSizeGib"], p["UserVolumeSizeGib"], p["ComputeTypeName"]), (100, 60, "PERFORMANCE"))


class QuotaTest(ServerTest):
    args = ("--workspace-quota", "2")

    def test_quota_past_limit(self):
        self.create("alice")
        with self.assertRaises(ClientError) as e:
            self.ws.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName=u, BundleId=BUNDLE) for u in ["bob", "carol"]])
        self.assertEqual(code(e), "ResourceLimitExceededException")
        self.assertEqual(self.count(), 1)
        b = self.create("bob")
        self.ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": b["WorkspaceId"]}])
        wait_for_state(self.ws, b["WorkspaceId"], "TERMINATED")
        self.create("carol")  # a TERMINATED workspace no longer counts


class DescribeTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.ws.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName=f"user{i:02d}", BundleId=BUNDLE if i % 2 else "wsb-al2val01") for i in range(7)])
        cls.ids = [w["WorkspaceId"] for w in r["PendingRequests"]]

    def test_filters(self):
        by_bundle = self.ws.describe_workspaces(BundleId="wsb-al2val01")["Workspaces"]
        self.assertEqual(len(by_bundle), 4)
        self.assertEqual({w["BundleId"] for w in by_bundle}, {"wsb-al2val01"})
        by_user = self.ws.describe_workspaces(DirectoryId=DEMO_DIRECTORY, UserName="user03")["Workspaces"]
        self.assertEqual([w["UserName"] for w in by_user], ["user03"])
        by_ids = self.ws.describe_workspaces(WorkspaceIds=self.ids[:3] + ["ws-000000000"])["Workspaces"]
        self.assertEqual(sorted(w["WorkspaceId"] for w in by_ids), sorted(self.ids[:3]))
        self.assertEqual(self.ws.describe_workspaces(DirectoryId=D2)["Workspaces"], [])

    def test_filter_rules(self):
        for kwargs, needle in [
            (dict(UserName="user01"), "UserName"),
            (dict(DirectoryId=DEMO_DIRECTORY, BundleId=BUNDLE), "one of"),
            (dict(WorkspaceIds=self.ids[:1], DirectoryId=DEMO_DIRECTORY), "one of"),
            (dict(Limit=26), "Limit"),
            (dict(Limit=0), "Limit"),
            (dict(WorkspaceIds=["ws-UPPER1234"]), "WorkspaceIds[0]"),
            (dict(WorkspaceIds=[f"ws-{i:09d}" for i in range(26)]), "WorkspaceIds"),
            (dict(DirectoryId="d-1234"), "DirectoryId"),
            (dict(NextToken="not-a-token"), "NextToken"),
        ]:
            with self.subTest(kwargs=kwargs):
                with self.assertRaises(ClientError) as e:
                    self.ws.describe_workspaces(**kwargs)
                self.assertEqual(code(e), "InvalidParameterValuesException")
                self.assertIn(needle, message(e))

    def test_pagination_is_stable_while_items_are_added(self):
        seen = []
        page = self.ws.describe_workspaces(Limit=2)
        seen += [w["WorkspaceId"] for w in page["Workspaces"]]
        added = self.ws.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="user30", BundleId=BUNDLE)])["PendingRequests"][0]["WorkspaceId"]
        while "NextToken" in page:
            self.assertLessEqual(len(page["NextToken"]), 63)
            page = self.ws.describe_workspaces(Limit=2, NextToken=page["NextToken"])
            self.assertLessEqual(len(page["Workspaces"]), 2)
            seen += [w["WorkspaceId"] for w in page["Workspaces"]]
        self.assertEqual(len(seen), len(set(seen)), "an item came twice")
        for i in self.ids + [added]:
            self.assertIn(i, seen)

    def test_token_belongs_to_its_query(self):
        page = self.ws.describe_workspaces(Limit=1)
        with self.assertRaises(ClientError) as e:
            self.ws.describe_workspaces(Limit=1, BundleId=BUNDLE, NextToken=page["NextToken"])
        self.assertEqual(code(e), "InvalidParameterValuesException")
        tampered = page["NextToken"][:-2] + ("AA" if page["NextToken"][-2:] != "AA" else "BB")
        with self.assertRaises(ClientError) as e:
            self.ws.describe_workspaces(Limit=1, NextToken=tampered)
        self.assertEqual(code(e), "InvalidParameterValuesException")

    def test_paginator(self):
        ids = list(self.ws.get_paginator("describe_workspaces").paginate(PaginationConfig={"PageSize": 3}).search("Workspaces[].WorkspaceId"))
        self.assertEqual(len(ids), len(set(ids)))
        for i in self.ids:
            self.assertIn(i, ids)

    def test_regions_are_separate(self):
        west = self.server.client(region="us-west-2")
        self.assertEqual(west.describe_workspaces()["Workspaces"], [])
        r = west.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": self.ids[0]}])
        self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "ResourceNotFound.Workspace")
        with self.assertRaises(ClientError) as e:
            west.describe_tags(ResourceId=self.ids[0])
        self.assertEqual(code(e), "ResourceNotFoundException")


class LifecycleTest(ServerTest):
    args = ("--terminated-retention-seconds", "2")

    def test_reboot_rebuild_and_preconditions(self):
        a = self.available("alice")
        pending = self.create("bob")
        r = self.ws.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": a["WorkspaceId"]}, {"WorkspaceId": pending["WorkspaceId"]}, {"WorkspaceId": "ws-000000000"}])
        failed = {f["WorkspaceId"]: f["ErrorCode"] for f in r["FailedRequests"]}
        self.assertEqual(failed, {pending["WorkspaceId"]: "InvalidResourceState", "ws-000000000": "ResourceNotFound.Workspace"})
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[a["WorkspaceId"]])["Workspaces"][0]["State"], "REBOOTING")
        wait_for_state(self.ws, a["WorkspaceId"], "AVAILABLE")
        r = self.ws.rebuild_workspaces(RebuildWorkspaceRequests=[{"WorkspaceId": a["WorkspaceId"]}])
        self.assertEqual(r["FailedRequests"], [])
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[a["WorkspaceId"]])["Workspaces"][0]["State"], "REBUILDING")
        wait_for_state(self.ws, a["WorkspaceId"], "AVAILABLE")
        with self.assertRaises(ClientError) as e:
            self.ws.rebuild_workspaces(RebuildWorkspaceRequests=[{"WorkspaceId": a["WorkspaceId"]}, {"WorkspaceId": pending["WorkspaceId"]}])
        self.assertEqual(code(e), "InvalidParameterValuesException")
        self.assertIn("RebuildWorkspaceRequests", message(e))

    def test_stop_and_start_only_auto_stop(self):
        auto = self.available("carol", WorkspaceProperties={"RunningMode": "AUTO_STOP"})
        always = self.available("dave")
        r = self.ws.stop_workspaces(StopWorkspaceRequests=[{"WorkspaceId": auto["WorkspaceId"]}, {"WorkspaceId": always["WorkspaceId"]}])
        self.assertEqual([(f["WorkspaceId"], f["ErrorCode"]) for f in r["FailedRequests"]], [(always["WorkspaceId"], "UnsupportedWorkspaceConfiguration")])
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[auto["WorkspaceId"]])["Workspaces"][0]["State"], "STOPPING")
        wait_for_state(self.ws, auto["WorkspaceId"], "STOPPED")
        status = self.ws.describe_workspaces_connection_status(WorkspaceIds=[auto["WorkspaceId"]])["WorkspacesConnectionStatus"][0]
        self.assertEqual(status["ConnectionState"], "UNKNOWN")
        r = self.ws.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": auto["WorkspaceId"]}])
        self.assertEqual(r["FailedRequests"][0]["ErrorCode"], "InvalidResourceState")
        r = self.ws.start_workspaces(StartWorkspaceRequests=[{"WorkspaceId": auto["WorkspaceId"]}, {"WorkspaceId": always["WorkspaceId"]}])
        self.assertEqual(len(r["FailedRequests"]), 1)
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[auto["WorkspaceId"]])["Workspaces"][0]["State"], "STARTING")
        wait_for_state(self.ws, auto["WorkspaceId"], "AVAILABLE")

    def test_terminate_then_gone(self):
        w = self.create("erin", Tags=[{"Key": "k", "Value": "v"}])  # still PENDING: terminate works from any state
        r = self.ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w["WorkspaceId"]}])
        self.assertEqual(r["FailedRequests"], [])
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[w["WorkspaceId"]])["Workspaces"][0]["State"], "TERMINATING")
        wait_for_state(self.ws, w["WorkspaceId"], "TERMINATED")
        again = self.ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w["WorkspaceId"]}])
        self.assertEqual(again["FailedRequests"], [])
        deadline = time.time() + 20
        while time.time() < deadline and self.ws.describe_workspaces(WorkspaceIds=[w["WorkspaceId"]])["Workspaces"]:
            time.sleep(0.1)
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[w["WorkspaceId"]])["Workspaces"], [])
        self.create("erin")  # the user may have a new workspace

    def test_batch_validation(self):
        for call, member in [(self.ws.reboot_workspaces, "RebootWorkspaceRequests"), (self.ws.stop_workspaces, "StopWorkspaceRequests"),
                             (self.ws.start_workspaces, "StartWorkspaceRequests"), (self.ws.terminate_workspaces, "TerminateWorkspaceRequests")]:
            with self.subTest(member=member):
                with self.assertRaises(ClientError) as e:
                    call(**{member: [{"WorkspaceId": f"ws-{i:09d}"} for i in range(26)]})
                self.assertEqual(code(e), "InvalidParameterValuesException")
                self.assertIn(member, message(e))
                with self.assertRaises(ClientError) as e:
                    call(**{member: [{"WorkspaceId": "i-123"}]})
                self.assertEqual(code(e), "InvalidParameterValuesException")
                self.assertIn(f"{member}[0].WorkspaceId", message(e))


class ModifyAndConnectionTest(ServerTest):
    args = ("--autostop-minute-seconds", "0.02")

    def test_modify_running_mode(self):
        w = self.available("alice")
        self.ws.modify_workspace_properties(WorkspaceId=w["WorkspaceId"], WorkspaceProperties={"RunningMode": "AUTO_STOP", "RunningModeAutoStopTimeoutInMinutes": 180})
        self.server.connect(w["WorkspaceId"])
        got = self.ws.describe_workspaces(WorkspaceIds=[w["WorkspaceId"]])["Workspaces"][0]["WorkspaceProperties"]
        self.assertEqual((got["RunningMode"], got["RunningModeAutoStopTimeoutInMinutes"]), ("AUTO_STOP", 180))
        self.ws.modify_workspace_properties(WorkspaceId=w["WorkspaceId"], WorkspaceProperties={"RunningMode": "ALWAYS_ON"})
        got = self.ws.describe_workspaces(WorkspaceIds=[w["WorkspaceId"]])["Workspaces"][0]["WorkspaceProperties"]
        self.assertEqual(got["RunningMode"], "ALWAYS_ON")

    def test_modify_errors(self):
        pending = self.create("bob")
        with self.assertRaises(ClientError) as e:
            self.ws.modify_workspace_properties(WorkspaceId=pending["WorkspaceId"], WorkspaceProperties={"RunningMode": "AUTO_STOP"})
        self.assertEqual(code(e), "InvalidResourceStateException")
        with self.assertRaises(ClientError) as e:
            self.ws.modify_workspace_properties(WorkspaceId="ws-000000000", WorkspaceProperties={"RunningMode": "AUTO_STOP"})
        self.assertEqual(code(e), "ResourceNotFoundException")
        self.assertEqual(e.exception.response.get("ResourceId"), "ws-000000000")
        with self.assertRaises(ClientError) as e:
            self.ws.modify_workspace_properties(WorkspaceId=pending["WorkspaceId"], WorkspaceProperties={"RunningModeAutoStopTimeoutInMinutes": 45})
        self.assertEqual(code(e), "InvalidParameterValuesException")
        self.assertIn("RunningModeAutoStopTimeoutInMinutes", message(e))
        w = wait_for_state(self.ws, pending["WorkspaceId"], "AVAILABLE")
        with self.assertRaises(ClientError) as e:
            self.ws.modify_workspace_properties(WorkspaceId=w["WorkspaceId"], DataReplication="PRIMARY_AS_SOURCE")
        self.assertEqual(code(e), "UnsupportedWorkspaceConfigurationException")
        with self.assertRaises(ClientError) as e:
            self.ws.modify_workspace_properties(WorkspaceId=w["WorkspaceId"], WorkspaceProperties={"UserVolumeSizeGib": 10})
        self.assertEqual(code(e), "InvalidParameterValuesException")
        self.assertIn("UserVolumeSizeGib", message(e))

    def test_connection_status_and_auto_stop(self):
        # One AutoStop minute lasts 0.02 s here, so a 60-minute timeout is 1.2 s.
        w = self.create("carol", WorkspaceProperties={"RunningMode": "AUTO_STOP", "RunningModeAutoStopTimeoutInMinutes": 60})
        wait_for_state(self.ws, w["WorkspaceId"], "AVAILABLE")
        self.assertEqual(self.server.connect(w["WorkspaceId"])["ConnectionState"], "CONNECTED")
        s = self.ws.describe_workspaces_connection_status(WorkspaceIds=[w["WorkspaceId"]])["WorkspacesConnectionStatus"][0]
        self.assertEqual(s["ConnectionState"], "CONNECTED")
        self.assertIn("LastKnownUserConnectionTimestamp", s)
        self.assertLess(abs(s["ConnectionStateCheckTimestamp"].timestamp() - time.time()), 60)
        time.sleep(2.5)  # connected: AutoStop must not stop it
        self.assertEqual(self.ws.describe_workspaces(WorkspaceIds=[w["WorkspaceId"]])["Workspaces"][0]["State"], "AVAILABLE")
        self.server.connect(w["WorkspaceId"], connected=False)
        s = self.ws.describe_workspaces_connection_status(WorkspaceIds=[w["WorkspaceId"]])["WorkspacesConnectionStatus"][0]
        self.assertEqual(s["ConnectionState"], "DISCONNECTED")
        wait_for_state(self.ws, w["WorkspaceId"], "STOPPED", timeout=30)
        s = self.ws.describe_workspaces_connection_status(WorkspaceIds=[w["WorkspaceId"]])["WorkspacesConnectionStatus"][0]
        self.assertEqual(s["ConnectionState"], "UNKNOWN")

    def test_connection_status_pages(self):
        page = self.ws.describe_workspaces_connection_status()
        self.assertIn("WorkspacesConnectionStatus", page)
        with self.assertRaises(ClientError) as e:
            self.ws.describe_workspaces_connection_status(WorkspaceIds=["nope"])
        self.assertEqual(code(e), "InvalidParameterValuesException")
        self.assertIn("WorkspaceIds[0]", message(e))


class TagsTest(ServerTest):
    def test_tags(self):
        w = self.create("alice", Tags=[{"Key": "env", "Value": "dev"}])
        wid = w["WorkspaceId"]
        self.ws.create_tags(ResourceId=wid, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "owner", "Value": ""}])
        self.assertEqual(self.ws.describe_tags(ResourceId=wid)["TagList"], [{"Key": "env", "Value": "prod"}, {"Key": "owner", "Value": ""}])
        self.ws.delete_tags(ResourceId=wid, TagKeys=["owner", "missing"])
        self.assertEqual(self.ws.describe_tags(ResourceId=wid)["TagList"], [{"Key": "env", "Value": "prod"}])
        self.ws.create_tags(ResourceId=wid, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
        with self.assertRaises(ClientError) as e:
            self.ws.create_tags(ResourceId=wid, Tags=[{"Key": "one-too-many", "Value": "v"}])
        self.assertEqual(code(e), "ResourceLimitExceededException")
        self.ws.create_tags(ResourceId=wid, Tags=[{"Key": "k1", "Value": "replaced"}])  # replacing is not adding
        self.assertEqual(len(self.ws.describe_tags(ResourceId=wid)["TagList"]), 50)

    def test_tag_errors(self):
        w = self.create("bob")
        for kwargs, expected, needle in [
            (dict(ResourceId="ws-000000000", Tags=[{"Key": "a", "Value": "b"}]), "ResourceNotFoundException", "ws-000000000"),
            (dict(ResourceId=w["WorkspaceId"], Tags=[{"Key": "x" * 128, "Value": "b"}]), "InvalidParameterValuesException", "Tags[0].Key"),
            (dict(ResourceId=w["WorkspaceId"], Tags=[{"Key": "aws:reserved", "Value": "b"}]), "InvalidParameterValuesException", "Tags[0].Key"),
            (dict(ResourceId=w["WorkspaceId"], Tags=[{"Key": "a", "Value": "v" * 256}]), "InvalidParameterValuesException", "Tags[0].Value"),
        ]:
            with self.subTest(kwargs=str(kwargs)[:60]):
                with self.assertRaises(ClientError) as e:
                    self.ws.create_tags(**kwargs)
                self.assertEqual(code(e), expected)
                self.assertIn(needle, message(e))
        self.assertEqual(self.ws.describe_tags(ResourceId=w["WorkspaceId"])["TagList"], [])
        with self.assertRaises(ClientError) as e:
            self.ws.delete_tags(ResourceId="ws-000000000", TagKeys=["a"])
        self.assertEqual(code(e), "ResourceNotFoundException")

    def test_directory_tags(self):
        self.ws.create_tags(ResourceId=D2, Tags=[{"Key": "cost-center", "Value": "42"}])
        self.assertEqual(self.ws.describe_tags(ResourceId=D2)["TagList"], [{"Key": "cost-center", "Value": "42"}])


class ProtocolTest(ServerTest):
    """The wire itself: signed raw requests, and the errors a client gets for bad ones."""

    def raw(self, target="WorkspacesService.DescribeWorkspaces", body=b"{}", sign=True, key="test", secret="test", headers=None, date=None):
        req = AWSRequest(method="POST", url=self.server.url + "/", data=body,
                         headers={"Content-Type": "application/x-amz-json-1.1", **({"X-Amz-Target": target} if target else {}), **(headers or {})})
        if sign:
            signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "workspaces", "us-east-1")
            if date:
                from unittest import mock
                with mock.patch("botocore.auth.get_current_datetime", return_value=date.replace(tzinfo=None)):
                    signer.add_auth(req)
            else:
                signer.add_auth(req)
        prepared = req.prepare()
        r = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
        try:
            with urllib.request.urlopen(r, timeout=10) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read() or b"{}")

    def assertError(self, result, status, code_):
        st, headers, body = result
        self.assertEqual(st, status, body)
        self.assertEqual(body["__type"], code_)
        self.assertTrue(body["message"])
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.1")
        self.assertTrue(headers.get("x-amzn-RequestId"))
        self.assertNotIn("   at ", body["message"])  # never a stack trace

    def test_success_wire_form(self):
        st, headers, body = self.raw()
        self.assertEqual(st, 200)
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.1")
        self.assertRegex(headers["x-amzn-RequestId"], r"^[0-9a-f-]{36}$")
        self.assertIsInstance(body["Workspaces"], list)
        self.assertNotIn("NextToken", body)  # unset members are left out

    def test_protocol_errors(self):
        self.assertError(self.raw(target=None), 400, "MissingAction")
        self.assertError(self.raw(target="WorkspacesService.LaunchRockets"), 400, "InvalidAction")
        self.assertError(self.raw(body=b"{not json"), 400, "SerializationException")
        self.assertError(self.raw(body=b"[1,2]"), 400, "SerializationException")
        st, _, body = self.raw(body=b'{"Limit": "five"}')
        self.assertEqual((st, body["__type"]), (400, "InvalidParameterValuesException"))
        self.assertIn("Limit", body["message"])
        st, _, body = self.raw(target="WorkspacesService.CreateWorkspaces", body=b'{"Workspaces": [{"DirectoryId": 5}]}')
        self.assertIn("Workspaces[0].DirectoryId", body["message"])
        self.assertError(self.raw(body=b'{"Limit": 1' + b" " * (1 << 20) + b"}"), 413, "RequestEntityTooLargeException")
        self.assertEqual(self.raw(body=b'{"Limit": 1, "SomeFutureMember": {"x": [1]}}')[0], 200)
        deep = b'{"Limit": 1, "X": ' + b"[" * 100 + b"]" * 100 + b"}"
        self.assertEqual(self.raw(body=deep)[0], 400)

    def test_authentication_errors(self):
        import datetime
        self.assertError(self.raw(sign=False), 403, "MissingAuthenticationToken")
        self.assertError(self.raw(sign=False, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=test"}), 400, "IncompleteSignature")
        self.assertError(self.raw(key="AKIDUNKNOWN0000"), 403, "InvalidClientTokenId")
        self.assertError(self.raw(secret="wrong"), 400, "InvalidSignatureException")
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=16)
        self.assertError(self.raw(date=old), 400, "RequestExpired")
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=16)
        self.assertError(self.raw(date=future), 400, "RequestExpired")
        near = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
        self.assertEqual(self.raw(date=near)[0], 200)

    def test_rejected_requests_change_nothing(self):
        before = self.count()
        body = json.dumps({"Workspaces": [{"DirectoryId": DEMO_DIRECTORY, "UserName": "mary", "BundleId": BUNDLE}]}).encode()
        self.assertError(self.raw(target="WorkspacesService.CreateWorkspaces", body=body, secret="wrong"), 400, "InvalidSignatureException")
        self.assertError(self.raw(target="WorkspacesService.CreateWorkspaces", body=body, sign=False), 403, "MissingAuthenticationToken")
        self.assertEqual(self.count(), before)
        self.assertEqual(self.raw(target="WorkspacesService.CreateWorkspaces", body=body)[0], 200)
        self.assertEqual(self.count(), before + 1)


class CrashTest(unittest.TestCase):
    """A server killed with SIGKILL in the middle of transitions finishes them after restart."""

    def test_sigkill_mid_transitions(self):
        server = Server(transition_seconds=4).start()
        try:
            ws = server.client()
            r = ws.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName=u, BundleId=BUNDLE,
                                                      WorkspaceProperties={"RunningMode": "AUTO_STOP"}) for u in ["alice", "bob", "carol", "dave"]])
            ids = [w["WorkspaceId"] for w in r["PendingRequests"]]
            server.restart()  # killed while all four are PENDING
            ws = server.client()
            for i in ids:
                wait_for_state(ws, i, "AVAILABLE")
            self.assertEqual(ws.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": ids[0]}])["FailedRequests"], [])
            self.assertEqual(ws.stop_workspaces(StopWorkspaceRequests=[{"WorkspaceId": ids[1]}])["FailedRequests"], [])
            self.assertEqual(ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": ids[2]}])["FailedRequests"], [])
            self.assertEqual(ws.rebuild_workspaces(RebuildWorkspaceRequests=[{"WorkspaceId": ids[3]}])["FailedRequests"], [])
            server.restart()  # killed mid-reboot, mid-stop, mid-terminate, mid-rebuild
            ws = server.client()
            # Each is still in its transition, or (on a slow machine, where starting took longer than the transition)
            # already past it: never back where it was before the call.
            states = {w["WorkspaceId"]: w["State"] for w in ws.describe_workspaces()["Workspaces"]}
            expected = {ids[0]: ("REBOOTING", "AVAILABLE"), ids[1]: ("STOPPING", "STOPPED"),
                        ids[2]: ("TERMINATING", "TERMINATED"), ids[3]: ("REBUILDING", "AVAILABLE")}
            for i, allowed in expected.items():
                self.assertIn(states[i], allowed, states)
            wait_for_state(ws, ids[0], "AVAILABLE")
            wait_for_state(ws, ids[1], "STOPPED")
            wait_for_state(ws, ids[2], "TERMINATED")
            wait_for_state(ws, ids[3], "AVAILABLE")
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
