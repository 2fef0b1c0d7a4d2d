"""The audit trail through the AWS CLI and boto3: events found with lookup-events by every attribute,
delivered files in CloudTrail's layout, integrity digests that catch tampering, and no loss on SIGKILL."""
import collections
import datetime
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import BUNDLE, DEMO_DIRECTORY, DLL, ENGINE, Server, wait_for_state
from test_auth import make_key
from test_operations import scrape

LAYOUT = re.compile(r"^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/\1_CloudTrail_\2_\3\4\5T\d{4}Z_[0-9a-f]+\.json\.gz$")


def delivered_records(server):
    records = []
    root = os.path.join(server.data, "cloudtrail")
    for path in glob.glob(os.path.join(root, "AWSLogs", "*", "CloudTrail", "**", "*.json.gz"), recursive=True):
        rel = os.path.relpath(path, root)
        assert LAYOUT.match(rel), rel
        with gzip.open(path, "rt") as f:
            doc = json.load(f)  # a plain gzip + JSON reader
        records += doc["Records"]
    return records


def lookup_all(ct, **kwargs):
    return list(ct.get_paginator("lookup_events").paginate(**kwargs).search("Events[]"))


def wait_until(predicate, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class AuditTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--audit-delivery-seconds", "1", "--audit-digest-seconds", "2").start()
        cls.ws = cls.server.client()
        cls.ct = cls.server.client("cloudtrail")
        cls.key = make_key(cls.server, "000000000000")
        r = cls.ws.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="alice", BundleId=BUNDLE, Tags=[{"Key": "k", "Value": "v"}])])
        cls.create_request_id = r["ResponseMetadata"]["RequestId"]
        cls.wid = r["PendingRequests"][0]["WorkspaceId"]
        wait_for_state(cls.ws, cls.wid, "AVAILABLE")
        try:
            cls.ws.describe_tags(ResourceId="ws-000000000")
        except ClientError:
            pass
        user = cls.server.client(key=cls.key["AccessKeyId"], secret=cls.key["SecretAccessKey"])
        user.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": cls.wid}])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_one_event_per_call_with_the_seed_fields(self):
        events = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateWorkspaces"}])
        self.assertEqual(len(events), 1)
        e = events[0]
        record = json.loads(e["CloudTrailEvent"])
        for field in ["eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
                      "requestParameters", "responseElements", "requestID", "eventID", "eventType", "recipientAccountId", "readOnly"]:
            self.assertIn(field, record)
        self.assertEqual(record["eventSource"], "workspaces.amazonaws.com")
        self.assertEqual(record["eventType"], "AwsApiCall")
        self.assertEqual(record["requestID"], self.create_request_id)
        self.assertEqual(record["userIdentity"]["accountId"], "000000000000")
        self.assertEqual(record["userIdentity"]["accessKeyId"], "test")
        self.assertEqual(record["requestParameters"]["workspaces"][0]["userName"], "alice")
        self.assertEqual(record["responseElements"]["pendingRequests"][0]["workspaceId"], self.wid)
        self.assertFalse(record["readOnly"])
        self.assertEqual((e["EventId"], e["ReadOnly"], e["Username"], e["AccessKeyId"]), (record["eventID"], "false", "root", "test"))
        self.assertIn({"ResourceType": "AWS::WorkSpaces::Workspace", "ResourceName": self.wid}, e["Resources"])
        self.assertIsInstance(e["EventTime"], datetime.datetime)

    def test_failures_are_recorded_with_their_error(self):
        e = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeTags"}])[0]
        record = json.loads(e["CloudTrailEvent"])
        self.assertEqual(record["errorCode"], "ResourceNotFoundException")
        self.assertIn("ws-000000000", record["errorMessage"])
        self.assertTrue(record["readOnly"])

    def test_lookup_by_each_attribute(self):
        user_events = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": self.key["AccessKeyId"]}])
        self.assertEqual([e["EventName"] for e in user_events], ["RebootWorkspaces"])
        self.assertEqual(json.loads(user_events[0]["CloudTrailEvent"])["userIdentity"]["type"], "IAMUser")
        by_key = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": self.key["AccessKeyId"]}])
        self.assertEqual([e["EventId"] for e in by_key], [e["EventId"] for e in user_events])
        by_resource = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": self.wid}])
        self.assertTrue({"CreateWorkspaces", "RebootWorkspaces", "DescribeWorkspaces"} <= {e["EventName"] for e in by_resource})
        by_type = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "ResourceType", "AttributeValue": "AWS::WorkSpaces::Workspace"}])
        self.assertGreaterEqual(len(by_type), len(by_resource))
        writes = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "false"}])
        self.assertEqual({e["EventName"] for e in writes}, {"CreateWorkspaces", "RebootWorkspaces"})
        reads = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
        self.assertTrue(reads, "the reads are recorded")
        self.assertEqual({e["ReadOnly"] for e in reads}, {"true"})
        self.assertNotIn("CreateWorkspaces", {e["EventName"] for e in reads})
        one = by_resource[0]
        by_id = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": one["EventId"]}])
        self.assertEqual([e["EventId"] for e in by_id], [one["EventId"]])
        by_source = lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "workspaces.amazonaws.com"}])
        self.assertTrue(by_source, "the WorkSpaces events are found by their source")
        self.assertEqual({e["EventSource"] for e in by_source}, {"workspaces.amazonaws.com"})

    def test_newest_first_paging_and_time_range(self):
        # LookupEvents calls are events too (of cloudtrail.amazonaws.com): look at WorkSpaces' alone.
        ws_only = [{"AttributeKey": "EventSource", "AttributeValue": "workspaces.amazonaws.com"}]
        everything = lookup_all(self.ct, LookupAttributes=ws_only)
        times = [e["EventTime"] for e in everything]
        self.assertEqual(times, sorted(times, reverse=True))
        page = self.ct.lookup_events(MaxResults=2, LookupAttributes=ws_only)
        self.assertEqual(len(page["Events"]), 2)
        rest = self.ct.lookup_events(MaxResults=2, NextToken=page["NextToken"], LookupAttributes=ws_only)
        self.assertEqual([e["EventId"] for e in page["Events"] + rest["Events"]], [e["EventId"] for e in everything[:4]])
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        self.assertEqual(self.ct.lookup_events(StartTime=future)["Events"], [])
        past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        self.assertEqual(self.ct.lookup_events(EndTime=past)["Events"], [])
        self.assertGreater(len(self.ct.lookup_events(StartTime=past, EndTime=future)["Events"]), 0)
        for kwargs, code in [(dict(StartTime=future, EndTime=past), "InvalidTimeRangeException"),
                             (dict(MaxResults=51), "InvalidMaxResultsException"),
                             (dict(NextToken="nope"), "InvalidNextTokenException"),
                             (dict(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "A"}, {"AttributeKey": "Username", "AttributeValue": "B"}]), "InvalidLookupAttributesException")]:
            with self.subTest(code=code):
                with self.assertRaises(ClientError) as e:
                    self.server.client("cloudtrail").lookup_events(**kwargs)
                self.assertEqual(e.exception.response["Error"]["Code"], code)

    def test_scoped_to_account_region_and_permissions(self):
        other = make_key(self.server, "111111111111")
        ct_other = self.server.client("cloudtrail", key=other["AccessKeyId"], secret=other["SecretAccessKey"])
        self.assertEqual([e for e in lookup_all(ct_other) if e["EventSource"] == "workspaces.amazonaws.com"], [])
        self.assertEqual([e for e in lookup_all(self.server.client("cloudtrail", region="eu-west-1")) if e["EventSource"] == "workspaces.amazonaws.com"], [])
        ro = make_key(self.server, "000000000000", {"Statement": [{"Effect": "Allow", "Action": "workspaces:Describe*", "Resource": "*"}]})
        with self.assertRaises(ClientError) as e:
            self.server.client("cloudtrail", key=ro["AccessKeyId"], secret=ro["SecretAccessKey"]).lookup_events()
        self.assertEqual(e.exception.response["Error"]["Code"], "AccessDeniedException")

    def test_rejected_requests_leave_no_event(self):
        before = len(lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeWorkspaceBundles"}]))
        bad = self.server.client(secret="wrong")
        with self.assertRaises(ClientError) as e:
            bad.describe_workspace_bundles(Owner="AMAZON")
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidSignatureException")
        after = len(lookup_all(self.ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeWorkspaceBundles"}]))
        self.assertEqual(before, after)

    def test_cli_lookup(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        for cli in ["aws", "/usr/bin/aws"]:
            r = subprocess.run([cli, "cloudtrail", "lookup-events", "--endpoint-url", self.server.url, "--lookup-attributes",
                                f"AttributeKey=ResourceName,AttributeValue={self.wid}", "--output", "json"], capture_output=True, text=True, env=env, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            names = {e["EventName"] for e in json.loads(r.stdout)["Events"]}
            self.assertIn("CreateWorkspaces", names)

    def test_delivered_files_and_integrity(self):
        wait_until(lambda: len(delivered_records(self.server)) >= 5, what="delivery")
        records = delivered_records(self.server)
        ids = [r["eventID"] for r in records]
        self.assertEqual(len(ids), len(set(ids)), "each event is delivered once")
        create = [r for r in records if r["eventName"] == "CreateWorkspaces"]
        self.assertEqual(create[0]["requestID"], self.create_request_id)
        digests = os.path.join(self.server.data, "cloudtrail", "AWSLogs", "000000000000", "CloudTrail-Digest")
        wait_until(lambda: len(glob.glob(os.path.join(digests, "**", "*.json.gz"), recursive=True)) >= 2, what="digests")
        self.assertEqual(self.verify().returncode, 0, self.verify().stdout)

        # Tampering on a copy of the data folder, so the live server's files stay intact.
        copy = self.server.data + "-copy"
        shutil.copytree(self.server.data, copy, ignore=shutil.ignore_patterns("cubicle.db*", "locks"))
        self.addCleanup(shutil.rmtree, copy, True)
        if ENGINE == "sqlite":
            import sqlite3
            con = sqlite3.connect(self.server.data + "/cubicle.db")
            con.execute("PRAGMA wal_checkpoint(FULL)")
            con.close()
            shutil.copy(self.server.data + "/cubicle.db", copy + "/cubicle.db")
        digested = []
        for digest in sorted(glob.glob(os.path.join(copy, "cloudtrail", "AWSLogs", "*", "CloudTrail-Digest", "**", "*.json.gz"),
                                       recursive=True)):
            with gzip.open(digest, "rt") as f:
                digested += [log["s3Object"] for log in json.load(f)["logFiles"]]
        self.assertGreaterEqual(len(digested), 1)
        target = os.path.join(copy, "cloudtrail", digested[0])
        with gzip.open(target, "rt") as f:
            doc = json.load(f)
        original = json.dumps(doc)
        doc["Records"][0]["sourceIPAddress"] = "203.0.113.9"
        with gzip.open(target, "wt") as f:
            json.dump(doc, f)
        r = self.verify(copy)
        self.assertEqual(r.returncode, 1)
        self.assertIn("LOG_CHANGED", r.stdout)
        with gzip.open(target, "wt") as f:
            f.write(original)
        inserted = target.replace(".json.gz", "0.json.gz")
        shutil.copy(target, inserted)
        r = self.verify(copy)
        self.assertIn("LOG_INSERTED", r.stdout)
        os.remove(inserted)
        os.remove(target)
        r = self.verify(copy)
        self.assertEqual(r.returncode, 1)
        self.assertIn("LOG_MISSING", r.stdout)
        first_digest = sorted(glob.glob(os.path.join(copy, "cloudtrail", "AWSLogs", "*", "CloudTrail-Digest", "**", "*.json.gz"), recursive=True))[0]
        os.remove(first_digest)
        self.assertIn("DIGEST_MISSING", self.verify(copy).stdout)

    def verify(self, data=None, *extra):
        return subprocess.run(["dotnet", DLL, "verify", "--data", data or self.server.data, *extra], capture_output=True,
                              text=True, timeout=120, env=self.server.env)


class PinnedKeyTest(unittest.TestCase):
    """Whoever can write the data folder can add a key to the trail's history and re-sign a digest; a public key the
    operator pinned (and the signing key kept outside DATA) catches that."""

    def test_a_re_signed_digest_fails_against_the_pinned_key(self):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        outside = tempfile.mkdtemp(prefix="cubicle-keys-")
        self.addCleanup(shutil.rmtree, outside, True)
        signing_key = os.path.join(outside, "signing.pem")
        server = Server("--audit-delivery-seconds", "1", "--audit-digest-seconds", "2", "--audit-signing-key", signing_key).start()
        self.addCleanup(server.stop)
        server.client().describe_workspaces()
        self.assertTrue(os.path.exists(signing_key))
        self.assertFalse(os.path.exists(os.path.join(server.data, "audit-signing-key.pem")), "the key stays outside DATA")
        with open(signing_key, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        pinned = os.path.join(outside, "pinned.pem")
        with open(pinned, "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        root = os.path.join(server.data, "cloudtrail")
        digests = lambda: sorted(glob.glob(os.path.join(root, "AWSLogs", "*", "CloudTrail-Digest", "**", "*.json.gz"), recursive=True))
        deadline = time.time() + 30
        while not any(json.load(gzip.open(d, "rt"))["logFiles"] for d in digests()) and time.time() < deadline:
            time.sleep(0.2)
        server.stop(remove=False)
        self.assertEqual(subprocess.run(["dotnet", DLL, "verify", "--data", server.data, "--public-key", pinned],
                                        capture_output=True, text=True, env=server.env).returncode, 0)

        # The attacker changes a delivered event, fixes the digest's hash of it, and re-signs with a key of their own.
        target = next(d for d in digests() if json.load(gzip.open(d, "rt"))["logFiles"])
        with gzip.open(target, "rt") as f:
            doc = json.load(f)
        log = os.path.join(root, doc["logFiles"][0]["s3Object"])
        with gzip.open(log, "rt") as f:
            records = json.load(f)
        records["Records"][0]["sourceIPAddress"] = "203.0.113.9"
        content = json.dumps(records, separators=(",", ":")).encode()
        with gzip.open(log, "wb") as f:
            f.write(content)
        doc["logFiles"][0]["hashValue"] = hashlib.sha256(content).hexdigest()
        forged = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        spki = forged.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        doc["digestPublicKeyFingerprint"] = hashlib.sha256(spki).hexdigest()[:32]
        with open(os.path.join(root, "public-keys", doc["digestPublicKeyFingerprint"] + ".pem"), "wb") as f:
            f.write(forged.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        body = json.dumps(doc, separators=(",", ":")).encode()
        with gzip.open(target, "wb") as f:
            f.write(body)
        rel = os.path.relpath(target, root)
        signing = f"{doc['digestEndTime']}\n{rel}\n{hashlib.sha256(body).hexdigest()}\n{doc.get('previousDigestSignature') or 'null'}"
        with open(target + ".sig", "w") as f:
            f.write(forged.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256()).hex())

        r = subprocess.run(["dotnet", DLL, "verify", "--data", server.data, "--public-key", pinned],
                           capture_output=True, text=True, env=server.env)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("DIGEST_KEY_UNKNOWN", r.stdout)


class AuditCrashTest(unittest.TestCase):
    def test_sigkill_between_calls_and_delivery_loses_nothing(self):
        server = Server("--audit-delivery-seconds", "3600", "--audit-delivery-events", "100000").start()
        try:
            ws = server.client()
            request_ids = [ws.describe_workspaces()["ResponseMetadata"]["RequestId"]]
            r = ws.create_workspaces(Workspaces=[dict(DirectoryId=DEMO_DIRECTORY, UserName="bob", BundleId=BUNDLE)])
            request_ids.append(r["ResponseMetadata"]["RequestId"])
            try:
                ws.describe_tags(ResourceId="ws-000000000")
            except ClientError as e:
                request_ids.append(e.response["ResponseMetadata"]["RequestId"])
            request_ids.append(ws.describe_workspace_bundles(Owner="AMAZON")["ResponseMetadata"]["RequestId"])
            server.kill()  # before any delivery
            self.assertEqual(delivered_records(server), [])
            server.args = ["--audit-delivery-seconds", "1"]
            server.start()
            wait_until(lambda: set(request_ids) <= {r["requestID"] for r in delivered_records(server)}, what="delivery after restart")
            delivered = [r["requestID"] for r in delivered_records(server)]
            self.assertEqual(len(delivered), len(set(delivered)))
        finally:
            server.stop()

    def test_sigkill_right_after_answered_reads_loses_none(self):
        """Reads answered under load (on SQLite their events are in the node's journal, not yet all in the database),
        then SIGKILL at once: after the restart LookupEvents finds the event of every read that was answered."""
        server = Server("--audit-delivery-seconds", "3600", "--audit-delivery-events", "100000", "--throttle-rate", "0").start()
        try:
            answered, lock = [], threading.Lock()

            def reads():
                ws = server.client()
                for _ in range(60):
                    rid = ws.describe_workspaces(Limit=5)["ResponseMetadata"]["RequestId"]
                    with lock:
                        answered.append(rid)

            threads = [threading.Thread(target=reads) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            server.kill()
            journal = os.path.join(server.data, "audit-journal")
            left = sorted(f for f in os.listdir(journal) if f.endswith(".log")) if ENGINE == "sqlite" else []
            server.start()
            ct = server.client("cloudtrail")
            found = {json.loads(e["CloudTrailEvent"])["requestID"] for e in lookup_all(
                ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeWorkspaces"}])}
            self.assertEqual(len(answered), 480)
            self.assertEqual(set(answered) - found, set(), "answered reads without an event after SIGKILL")
            if ENGINE == "sqlite":
                # What the killed process left in its journal was indexed at start, then its files deleted.
                self.assertNotEqual(left, [])
                self.assertEqual(set(left) & set(os.listdir(journal)), set())
        finally:
            server.stop()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


class BufferedReadEventsTest(unittest.TestCase):
    """--audit-read-events buffered: reads answer before their event is stored. With the store held up (a psql session
    holds a SHARE lock on audit_events, so inserts wait), a flood of reads whose events are as large as an event gets
    (about 100 KB of parameters each) must not queue them in memory without end: the server's memory stays bounded
    (the calls wait for room, and /metrics counts the waits), and once the store is free again every call answers,
    every event is stored and none is dropped."""

    THREADS = 8
    CALLS = 400  # per thread: 3200 events of ~100 KB, ~600 MiB as .NET strings were they all queued
    MAX_GROWTH_MIB = 300

    def flood_client(self, server):
        # Calls that wait for room wait as long as the lock is held: a long read timeout, and no retries.
        cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False,
                     read_timeout=600, connect_timeout=30)
        return boto3.client("workspaces", endpoint_url=server.url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test", config=cfg)

    def test_a_flood_of_reads_while_the_store_is_held_keeps_memory_bounded(self):
        server = Server("--audit-read-events", "buffered", "--throttle-rate", "0", "--audit-delivery-seconds", "3600")
        # Statements blocked by the lock wait for it (Npgsql's default gives up after 30 s).
        server.env["CUBICLE_DATABASE"] += ";Command Timeout=600"
        server.start()
        locker = None
        try:
            # Each id is far too long (the call fails validation), but all of it is recorded: ~96 KB of parameters.
            hostile = ["ws-" + "x" * 15_990] * 6
            outcomes, lock = collections.Counter(), threading.Lock()

            def flood(calls):
                client = self.flood_client(server)
                for _ in range(calls):
                    try:
                        client.describe_workspaces(WorkspaceIds=hostile)
                        outcome = "OK"
                    except ClientError as e:
                        outcome = e.response["Error"]["Code"]
                    except Exception as e:  # a timeout or a dropped connection is a failure too
                        outcome = type(e).__name__
                    with lock:
                        outcomes[outcome] += 1

            flood(40)  # warm: JIT, pools, the first events stored
            baseline = rss_mib(server.proc.pid)
            locker = subprocess.Popen(["psql", self.conninfo(server), "-qAtX", "-v", "ON_ERROR_STOP=1"],
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True)
            locker.stdin.write("BEGIN;\nLOCK TABLE audit_events IN SHARE MODE;\n")
            locker.stdin.flush()
            self.wait_for(lambda: server.sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                             "WHERE c.relname = 'audit_events' AND l.mode = 'ShareLock' "
                                             "AND l.granted") == [["1"]], 30, "the lock")
            threads = [threading.Thread(target=flood, args=(self.CALLS,)) for _ in range(self.THREADS)]
            for t in threads:
                t.start()
            # Until the flood is over, or has been held back for a while: the peak of the server's memory meanwhile.
            peak, held_since, deadline = baseline, None, time.monotonic() + 240
            while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
                peak = max(peak, rss_mib(server.proc.pid))
                if held_since is None and scrape(server.url).get(("cubicle_audit_read_events_waited_total", ()), 0):
                    held_since = time.monotonic()
                if held_since is not None and time.monotonic() - held_since > 15:
                    break
                time.sleep(0.2)
            print(f"\n  memory (VmRSS): {baseline:.0f} MiB before the flood, peak {peak:.0f} MiB with the store held; "
                  f"{sum(outcomes.values())} calls answered meanwhile")
            self.assertLess(peak - baseline, self.MAX_GROWTH_MIB,
                            f"the server grew by {peak - baseline:.0f} MiB while the store was held up")

            locker.stdin.write("ROLLBACK;\n\\q\n")
            locker.stdin.close()
            locker.wait(30)
            locker.stderr.close()
            for t in threads:
                t.join(300)
            self.assertFalse(any(t.is_alive() for t in threads), "calls still waiting after the store came back")
            total = 40 + self.THREADS * self.CALLS
            self.assertEqual(dict(outcomes), {"InvalidParameterValuesException": total})
            self.wait_for(lambda: int(server.sql("SELECT count(*) FROM audit_events WHERE event_name = "
                                                 "'DescribeWorkspaces'")[0][0]) == total, 120, "every event stored")
            metrics = scrape(server.url)
            self.assertGreater(metrics[("cubicle_audit_read_events_waited_total", ())], 0)
            self.assertEqual(metrics.get(("cubicle_audit_events_dropped_total", ()), 0), 0)
            self.wait_for(lambda: scrape(server.url)[("cubicle_audit_buffered_bytes", ())] == 0, 30, "an empty buffer")
            self.assertEqual(server.client().describe_workspaces()["ResponseMetadata"]["HTTPStatusCode"], 200)
            self.assertNotIn("fail:", server.log())
        finally:
            if locker is not None and locker.poll() is None:
                locker.kill()
                locker.wait()
            server.stop()

    @staticmethod
    def conninfo(server):
        base = dict(part.split("=", 1) for part in server.env["CUBICLE_DATABASE"].split(";") if part)
        return f"host={base['Host']} port={base['Port']} user={base['Username']} dbname={base['Database']}"

    @staticmethod
    def wait_for(predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.2)


def load_tests(loader, tests, pattern):
    """BufferedReadEventsTest holds the store with a psql session's lock: it belongs to the PostgreSQL pass alone (on
    SQLite the same bound is covered by tests/Cubicle.Tests/AuditBufferTests.cs), so it is left out, not skipped."""
    suite = unittest.TestSuite()
    for case in tests:
        for test in case:
            if ENGINE == "postgres" or not isinstance(test, BufferedReadEventsTest):
                suite.addTest(test)
    return suite


if __name__ == "__main__":
    unittest.main()
