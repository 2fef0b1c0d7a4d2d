"""Running Cubicle like real software: /metrics read with Prometheus' own parser after known traffic, the request id
in the logs, OTLP traces, and a SIGTERM under load (no connection reset, no transition left half-done)."""
import collections
import http.client
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import botocore.exceptions
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import BUNDLE, DEMO_DIRECTORY, DLL, ENGINE, Server, ensure_built, free_port, wait_for_state

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # Debian's python3-prometheus-client (tests/run-all.sh installs it), from another interpreter
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families


def scrape(url, token=None):
    """The samples of /metrics, parsed by the Prometheus client's text-format parser: {(name, labels): value}."""
    request = urllib.request.Request(url + "/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/plain"), r.headers["Content-Type"]
        text = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != "otel_scope_name"))
            samples[(s.name, labels)] = s.value
    return samples


def counting(client):
    """Counts every call the client makes, by action and outcome (error code or OK), as the server should."""
    calls = collections.Counter()

    def after_call(http_response, parsed, model, **_):
        calls[(model.name, parsed.get("Error", {}).get("Code", "OK"))] += 1

    client.meta.events.register("after-call.workspaces", after_call)
    return calls


def raw_call(port, target, params, timeout=10):
    """One signed call on a connection of its own; returns the status, or raises the socket's error."""
    body = json.dumps(params).encode()
    url = f"http://127.0.0.1:{port}/"
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials("test", "test"), "workspaces", "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=dict(request.headers))
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(transition_seconds=0.5).start()
        self.addCleanup(self.server.stop)

    def test_counters_add_up_after_known_traffic(self):
        client = self.server.client()
        calls = counting(client)
        for _ in range(5):
            client.describe_workspaces()
        for _ in range(3):
            with self.assertRaises(botocore.exceptions.ClientError) as e:
                client.describe_workspaces(WorkspaceIds=["not-a-workspace"])
            self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValuesException")
        created = client.create_workspaces(Workspaces=[{
            "DirectoryId": DEMO_DIRECTORY, "UserName": "alice", "BundleId": BUNDLE}])["PendingRequests"]
        wait_for_state(client, created[0]["WorkspaceId"], "AVAILABLE")
        client.create_tags(ResourceId=created[0]["WorkspaceId"], Tags=[{"Key": "team", "Value": "ops"}])
        refused = self.server.client(secret="wrong")
        for _ in range(2):
            with self.assertRaises(botocore.exceptions.ClientError) as e:
                refused.describe_workspaces()
            self.assertEqual(e.exception.response["Error"]["Code"], "InvalidSignatureException")

        samples = scrape(self.server.url)
        counted = {(dict(labels)["action"], dict(labels)["code"]): value
                   for (name, labels), value in samples.items()
                   if name == "cubicle_requests_total" and dict(labels)["service"] == "workspaces"}
        expected = dict(calls)
        expected[("DescribeWorkspaces", "InvalidSignatureException")] = 2
        self.assertEqual(counted, expected)
        self.assertEqual(samples[("cubicle_auth_refused_total", (("code", "InvalidSignatureException"),))], 2)

        # Latency: one observation per call, buckets cumulative up to +Inf.
        for action in {a for a, _ in expected}:
            labels = (("action", action), ("service", "workspaces"))
            count = samples[("cubicle_request_duration_seconds_count", labels)]
            self.assertEqual(count, sum(n for (a, _), n in expected.items() if a == action))
            buckets = sorted(((float(dict(l)["le"]), v) for (name, l), v in samples.items()
                              if name == "cubicle_request_duration_seconds_bucket"
                              and (("action", action) in l and ("service", "workspaces") in l)))
            self.assertEqual(buckets[-1], (float("inf"), count))
            self.assertEqual([v for _, v in buckets], sorted(v for _, v in buckets))

        # The lifecycle: the creation's job ran here and finished; the desktop runs (sampled every few seconds).
        finished = {dict(l)["kind"]: v for (name, l), v in samples.items()
                    if name == "cubicle_jobs_finished_total" and dict(l)["outcome"] == "ok"}
        self.assertGreaterEqual(finished.get("PROVISION", 0), 1, finished)
        deadline = time.time() + 20
        while scrape(self.server.url).get(("cubicle_desktops_running", ())) != 1:
            self.assertLess(time.time(), deadline, "desktops_running never showed the running workspace")
            time.sleep(0.5)
        self.assertIn(("cubicle_audit_events_waiting", ()), samples)

    def test_throttled_requests_are_counted(self):
        self.server.stop()
        self.server = Server("--throttle-rate", "0.2", "--throttle-burst", "4").start()
        self.addCleanup(self.server.stop)
        client = self.server.client()
        calls = counting(client)
        for _ in range(10):
            try:
                client.describe_workspaces()
            except botocore.exceptions.ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "Throttling")
        throttled = calls[("DescribeWorkspaces", "Throttling")]
        self.assertGreaterEqual(throttled, 5)
        samples = scrape(self.server.url)
        self.assertEqual(samples[("cubicle_throttled_total", ())], throttled)
        self.assertEqual(samples[("cubicle_requests_total", (("action", "DescribeWorkspaces"), ("code", "Throttling"),
                                                             ("service", "workspaces")))], throttled)


class MetricsAccessTest(unittest.TestCase):
    def test_a_token_protects_metrics(self):
        server = Server("--metrics-token", "s3cret-scrape-token").start()
        self.addCleanup(server.stop)
        for token in (None, "wrong"):
            with self.assertRaises(urllib.error.HTTPError) as e:
                scrape(server.url, token)
            self.assertEqual(e.exception.code, 401)
        self.assertIn(("cubicle_desktops_running", ()), scrape(server.url, "s3cret-scrape-token"))

    def test_metrics_on_an_address_of_their_own(self):
        port = free_port()
        server = Server("--metrics-urls", f"http://127.0.0.1:{port}").start()
        self.addCleanup(server.stop)
        server.client().describe_workspaces()
        samples = scrape(f"http://127.0.0.1:{port}")
        self.assertEqual(samples[("cubicle_requests_total", (("action", "DescribeWorkspaces"), ("code", "OK"),
                                                             ("service", "workspaces")))], 1)
        # The API's address no longer serves them, and the metrics address serves nothing else.
        with self.assertRaises(urllib.error.HTTPError) as e:
            scrape(server.url)
        self.assertNotEqual(e.exception.code, 200)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
        self.assertEqual(e.exception.code, 404)
        # Not even a signed API call, whatever its path.
        for path in ("/", "/metrics"):
            body = b"{}"
            url = f"http://127.0.0.1:{port}{path}"
            request = AWSRequest(method="POST", url=url, data=body, headers={
                "X-Amz-Target": "WorkspacesService.DescribeWorkspaces", "Content-Type": "application/x-amz-json-1.1"})
            SigV4Auth(Credentials("test", "test"), "workspaces", "us-east-1").add_auth(request)
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST",
                                                              headers=dict(request.headers)), timeout=5)
            self.assertIn(e.exception.code, (404, 405), path)


class LogsTest(unittest.TestCase):
    def test_each_line_of_a_request_carries_its_request_id(self):
        server = Server("--log-format", "json", "--log-level", "debug").start()
        self.addCleanup(server.stop)
        response = server.client().describe_workspaces()
        request_id = response["ResponseMetadata"]["RequestId"]
        deadline = time.time() + 10
        while True:
            with open(server.log_path) as f:
                lines = [json.loads(line) for line in f if line.startswith("{")]
            mine = [line for line in lines
                    if any(scope.get("RequestId") == request_id for scope in line.get("Scopes", []))]
            if mine or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertTrue(mine, f"no log line carries {request_id}")
        self.assertTrue(any("DescribeWorkspaces answered 200" in line["Message"] for line in mine), mine)
        # The audit event of the call has the same id.
        events = server.client("cloudtrail").lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeWorkspaces"}])["Events"]
        self.assertIn(request_id, [json.loads(e["CloudTrailEvent"])["requestID"] for e in events])


class ForwardedHeadersTest(unittest.TestCase):
    def source_address_seen(self, server, **key):
        client = server.client(**key)
        # Added after signing, as a proxy adds it.
        client.meta.events.register("before-send.workspaces.*", lambda request, **_: request.headers.__setitem__(
            "X-Forwarded-For", "203.0.113.7"))
        request_id = client.describe_workspaces()["ResponseMetadata"]["RequestId"]
        events = server.client("cloudtrail", **key).lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeWorkspaces"}])["Events"]
        return {json.loads(e["CloudTrailEvent"])["requestID"]: json.loads(e["CloudTrailEvent"])["sourceIPAddress"]
                for e in events}[request_id]

    def test_only_a_trusted_proxy_names_the_client(self):
        # Behind a proxy the well-known test/test is refused: a root key of its own.
        key = {"key": "AKIAPROXIEDROOT00001", "secret": "proxied-root-secret-0123456789abcdef"}
        trusting = Server("--trusted-proxies", "127.0.0.1", env={"CUBICLE_ROOT_ACCESS_KEY_ID": key["key"],
                                                               "CUBICLE_ROOT_SECRET_ACCESS_KEY": key["secret"]}).start()
        self.addCleanup(trusting.stop)
        self.assertEqual(self.source_address_seen(trusting, **key), "203.0.113.7")
        other = Server().start()
        self.addCleanup(other.stop)
        self.assertEqual(self.source_address_seen(other), "127.0.0.1")


class OtlpReceiver(http.server.BaseHTTPRequestHandler):
    """Takes OTLP/HTTP export requests (protobuf) and keeps their bodies."""
    bodies = []

    def do_POST(self):
        OtlpReceiver.bodies.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class TracesTest(unittest.TestCase):
    def test_calls_and_jobs_are_traced_over_otlp(self):
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OtlpReceiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        self.addCleanup(receiver.shutdown)
        server = Server("--otlp-endpoint", f"http://127.0.0.1:{receiver.server_address[1]}",
                        "--otlp-protocol", "http/protobuf", env={"OTEL_BSP_SCHEDULE_DELAY": "200"}).start()
        self.addCleanup(server.stop)
        client = server.client()
        request_id = client.describe_workspaces()["ResponseMetadata"]["RequestId"]
        created = client.create_workspaces(Workspaces=[{
            "DirectoryId": DEMO_DIRECTORY, "UserName": "bob", "BundleId": BUNDLE}])["PendingRequests"]
        wait_for_state(client, created[0]["WorkspaceId"], "AVAILABLE")
        deadline = time.time() + 30
        while True:
            sent = b"".join(body for path, body in OtlpReceiver.bodies if path == "/v1/traces")
            if (b"workspaces.DescribeWorkspaces" in sent and request_id.encode() in sent and b"job PROVISION" in sent) \
                    or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertIn(b"workspaces.DescribeWorkspaces", sent)
        self.assertIn(request_id.encode(), sent)
        self.assertIn(b"rpc.method", sent)
        self.assertIn(b"job PROVISION", sent)
        self.assertIn(b"cubicle", sent)  # the service name


class ShutdownTest(unittest.TestCase):
    def test_sigterm_under_load_answers_everything_and_leaves_no_transition_half_done(self):
        server = Server("--shutdown-seconds", "20", transition_seconds=1.5).start()
        self.addCleanup(server.stop)
        client = server.client()

        def create(*users):
            return [p["WorkspaceId"] for p in client.create_workspaces(Workspaces=[
                {"DirectoryId": DEMO_DIRECTORY, "UserName": u, "BundleId": BUNDLE} for u in users])["PendingRequests"]]

        done = create("alice", "bob")
        for workspace_id in done:
            wait_for_state(client, workspace_id, "AVAILABLE")

        outcomes = collections.Counter()
        failures = []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                try:
                    outcomes[raw_call(server.port, "WorkspacesService.DescribeWorkspaces", {})] += 1
                except (ConnectionRefusedError, TimeoutError):
                    outcomes["refused"] += 1  # never accepted: the listener drops or refuses new connections
                    time.sleep(0.01)
                except OSError as e:  # a reset, or a connection closed without an answer
                    failures.append(repr(e))

        threads = [threading.Thread(target=load) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        waiting = create("carol", "dave")  # their transitions are due after the SIGTERM
        os.kill(server.proc.pid, signal.SIGTERM)
        try:
            code = server.proc.wait(30)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(code, 0, server.log())
        self.assertEqual(failures, [], f"calls left without an answer: {failures[:5]}")
        self.assertGreater(outcomes[200], 0)
        self.assertEqual(set(outcomes) - {200, 503, "refused"}, set(), outcomes)

        # Each transition is whole: none is left leased to the stopped node, and each workspace either finished
        # (no job left) or waits PENDING with its job queued.
        self.assertEqual(server.sql("SELECT id, kind FROM jobs WHERE lease_owner IS NOT NULL"), [])
        jobs = collections.Counter(seq for (seq,) in server.sql(
            "SELECT subject_seq FROM jobs WHERE subject = 'workspace' AND kind = 'PROVISION'"))
        for workspace_id, seq, state in server.sql("SELECT workspace_id, seq, state FROM workspaces"):
            if workspace_id in done:
                self.assertEqual((state, jobs[seq]), ("AVAILABLE", 0), workspace_id)
            else:
                self.assertIn(workspace_id, waiting)
                self.assertIn((state, jobs[seq]), {("PENDING", 1), ("AVAILABLE", 0)}, workspace_id)
        server.start()
        client = server.client()
        for workspace_id in done + waiting:
            wait_for_state(client, workspace_id, "AVAILABLE", timeout=60)


if __name__ == "__main__":
    unittest.main()
