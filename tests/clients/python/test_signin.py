"""Sign-in under attack, over HTTP as the pages post it (the desktop's form with its anti-forgery token, the console's
JSON with its CSRF header). The server trusts X-Forwarded-For from 127.0.0.1 (--trusted-proxies), so one test client
speaks for many client addresses. The guesser is locked out, not the owner: budgets per client network (an IPv4
address, an IPv6 /64), a user's budget that refuses only the networks that failed for it, parallel guesses that cannot
all pass one lock; and one tenant's stalled LDAP directory holds only its own sign-ins.
The desktop sign-in page exists with real desktops only: needs root, the desktop packages and slapd (tests/run-all.sh
installs them)."""
import base64
import html
import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from harness import BUNDLE, DEMO_DIRECTORY, ROOT, Server, wait_for_state, write_directories

VPC = {"VpcId": "vpc-0a1b2c3d", "SubnetIds": ["subnet-1a2b3c4d", "subnet-5e6f7a8b"]}
OTHER = "111111111111"
D_OTHER = "d-1111111111"  # a Simple AD of account 111111111111
# Generous: the machine is small and shared. A prompt sign-in is one that takes less than this.
PROMPT = 10


def root_key():
    return {"CUBICLE_ROOT_ACCESS_KEY_ID": "AKIA" + os.urandom(8).hex().upper(),
            "CUBICLE_ROOT_SECRET_ACCESS_KEY": base64.b64encode(os.urandom(30)).decode()}


def start(*args, directories=None):
    """A server with real desktops (the sign-in page needs them), trusting X-Forwarded-For from the test itself."""
    key = root_key()
    server = Server("--desktops", "local", "--trusted-proxies", "127.0.0.1", *args, transition_seconds=0, env=key)
    if directories:
        server.args += ["--directories", write_directories(os.path.join(server.data, "dirs.json"), directories)]
    server.start()
    server.root = (key["CUBICLE_ROOT_ACCESS_KEY_ID"], key["CUBICLE_ROOT_SECRET_ACCESS_KEY"])
    return server


def client(server, service="workspaces", key=None):
    k, s = key or server.root
    return server.client(service, key=k, secret=s)


def set_password(server, directory, user, password, account=None):
    r = server.cli("users", "set-password", "--directory-id", directory, "--user-name", user,
                   *(["--account", account] if account else []), input=password + "\n")
    assert r.returncode == 0, r.stderr


def create_workspace(ws, directory, user):
    # Small volumes: the machine's disk is shared with other tests' desktops.
    r = ws.create_workspaces(Workspaces=[dict(DirectoryId=directory, UserName=user, BundleId=BUNDLE,
                                              WorkspaceProperties={"UserVolumeSizeGib": 1})])
    assert r["FailedRequests"] == [], r["FailedRequests"]
    return r["PendingRequests"][0]["WorkspaceId"]


def terminate_all(ws):
    left = [w["WorkspaceId"] for w in ws.describe_workspaces()["Workspaces"] if w["State"] != "TERMINATED"]
    if left:
        ws.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w} for w in left])
    for w in left:
        try:
            wait_for_state(ws, w, "TERMINATED", timeout=120)
        except AssertionError:
            pass


def registration_code(ws, directory):
    return ws.describe_workspace_directories(DirectoryIds=[directory])["Directories"][0]["RegistrationCode"]


class Answer:
    def __init__(self, status, headers, body, seconds):
        self.status, self.body, self.seconds = status, body, seconds
        self.retry_after = int(headers["Retry-After"]) if headers.get("Retry-After") else None
        self.cookies = headers.get_all("Set-Cookie") or []

    def __repr__(self):
        return f"{self.status} (Retry-After {self.retry_after}, {self.seconds:.2f} s) {self.body[:200]!r}"


def desktop_form(server, client_address):
    """GETs the sign-in page as the client: its anti-forgery token and cookie."""
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    c.request("GET", "/desktop", headers={"X-Forwarded-For": client_address})
    r = c.getresponse()
    page = r.read().decode()
    c.close()
    token = html.unescape(re.search(r'name="__RequestVerificationToken" value="([^"]*)"', page).group(1))
    cookie = "; ".join(v.split(";")[0] for v in r.headers.get_all("Set-Cookie") or [])
    return token, cookie


def post_desktop(server, form, code, user, password, client_address):
    """POSTs the sign-in form got by desktop_form, as the client at client_address."""
    token, cookie = form
    body = urllib.parse.urlencode({"registration_code": code, "user_name": user, "password": password,
                                   "__RequestVerificationToken": token})
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    started = time.monotonic()
    c.request("POST", "/desktop/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "X-Forwarded-For": client_address})
    r = c.getresponse()
    answer = Answer(r.status, r.headers, r.read().decode(), time.monotonic() - started)
    c.close()
    return answer


def desktop_sign_in(server, code, user, password, client_address):
    return post_desktop(server, desktop_form(server, client_address), code, user, password, client_address)


def console_sign_in(server, key_id, secret, client_address):
    """The console's sign-in as its page makes it: the session's CSRF token, then the JSON form."""
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    c.request("GET", "/console/api/session", headers={"X-Forwarded-For": client_address})
    r = c.getresponse()
    session = json.loads(r.read())
    cookie = "; ".join(v.split(";")[0] for v in r.headers.get_all("Set-Cookie") or [])
    started = time.monotonic()
    c.request("POST", "/console/api/sign-in", body=json.dumps({"accessKeyId": key_id, "secretAccessKey": secret}),
              headers={"Content-Type": "application/json", "Cookie": cookie, "X-Forwarded-For": client_address,
                       session["csrfHeader"]: session["csrfToken"]})
    r = c.getresponse()
    answer = Answer(r.status, r.headers, r.read().decode(), time.monotonic() - started)
    c.close()
    return answer


def exhaust(attempt, longer_than, deadline=120, most=60):
    """Makes failing attempts (each a call of attempt(), which must fail or be refused), waiting out each lock, until
    one is refused with a Retry-After of at least longer_than seconds: a lock that outlasts what the test does next.
    Returns the attempts' statuses."""
    statuses = []
    end = time.monotonic() + deadline
    while time.monotonic() < end and len(statuses) < most:
        a = attempt()
        statuses.append(a.status)
        if a.status == 429:
            assert a.retry_after and a.retry_after >= 1, a
            if a.retry_after >= longer_than:
                return statuses
            time.sleep(a.retry_after + 0.2)
        else:
            assert a.status == 401, a
    raise AssertionError(f"no lock of {longer_than} s after {len(statuses)} attempts: {Counter(statuses)}")


class GuessingTest(unittest.TestCase):
    """An attacker who knows the registration code and the user names (they are no secrets)."""

    @classmethod
    def setUpClass(cls):
        cls.server = start()
        cls.ws = client(cls.server)
        cls.code = registration_code(cls.ws, DEMO_DIRECTORY)
        for user in ("alice", "bob", "carol"):
            set_password(cls.server, DEMO_DIRECTORY, user, f"{user}-password")
            create_workspace(cls.ws, DEMO_DIRECTORY, user)

    @classmethod
    def tearDownClass(cls):
        terminate_all(cls.ws)
        cls.server.stop()

    def assert_signs_in(self, answer):
        self.assertEqual(answer.status, 302, answer)
        self.assertTrue(any(c.startswith("cubicle_desktop=") for c in answer.cookies), answer)
        self.assertLess(answer.seconds, PROMPT, answer)

    def test_one_network_guessing_locks_out_itself_not_the_owner(self):
        attacker, owner = "203.0.113.7", "198.51.100.20"
        statuses = exhaust(lambda: desktop_sign_in(self.server, self.code, "alice", "guess", attacker), longer_than=8)
        self.assertEqual(statuses[:6], [401] * 6, "five failures are free, the sixth still gets its answer")
        refused = desktop_sign_in(self.server, self.code, "alice", "alice-password", attacker)
        self.assertEqual(refused.status, 429, "the guesser's network is refused, even with the right password")
        self.assertGreaterEqual(refused.retry_after, 1)
        # The owner, from a network that has not failed, signs in at once.
        self.assert_signs_in(desktop_sign_in(self.server, self.code, "alice", "alice-password", owner))
        self.assertEqual(desktop_sign_in(self.server, self.code, "alice", "guess", attacker).status, 429,
                         "the owner's sign-in does not let the guesser in again")

    def test_an_ipv6_network_is_counted_per_64(self):
        # Each guess from another address of one /64, at another user: only the network's budget counts them.
        n = iter(range(1, 10_000))

        def guess():
            i = next(n)
            return desktop_sign_in(self.server, self.code, f"nobody-{i}", "guess", f"2001:db8:1:2::{i:x}")

        statuses = exhaust(guess, longer_than=8)
        self.assertEqual(statuses[:20], [401] * 20, "twenty failures of a network are free")
        fresh = desktop_sign_in(self.server, self.code, "bob", "bob-password", "2001:db8:1:2:ffff:ffff:ffff:fffe")
        self.assertEqual(fresh.status, 429, f"another address of the same /64 is the same network: {fresh}")
        self.assertGreaterEqual(fresh.retry_after, 1)
        # Another /64, and an IPv4 address, are other networks.
        self.assert_signs_in(desktop_sign_in(self.server, self.code, "bob", "bob-password", "2001:db8:1:3::5"))
        self.assertEqual(desktop_sign_in(self.server, self.code, "nobody", "guess", "192.0.2.99").status, 401)

    def test_a_user_guessed_from_many_networks_still_lets_its_owner_in(self):
        attackers = [f"10.20.0.{i}" for i in range(1, 13)]
        for a in attackers:
            self.assertEqual(desktop_sign_in(self.server, self.code, "carol", "guess", a).status, 401)
        # Past the user's budget: every network that has failed for carol must wait, with the right password too.
        for a in attackers[:3]:
            refused = desktop_sign_in(self.server, self.code, "carol", "carol-password", a)
            self.assertEqual(refused.status, 429, refused)
            self.assertGreaterEqual(refused.retry_after, 30)
        # A network that has not failed for carol is checked as always: the owner signs in at once.
        self.assert_signs_in(desktop_sign_in(self.server, self.code, "carol", "carol-password", "10.20.9.9"))

    def test_parallel_guesses_cannot_all_pass_one_lock(self):
        attacker, user = "192.0.2.44", "mary"
        # Bring the pair (this network, this user) to a lock of 8 s or more, and wait it out: the next failure locks
        # it for twice as long, so that exactly one of a burst of guesses is checked.
        exhaust(lambda: desktop_sign_in(self.server, self.code, user, "guess", attacker), longer_than=8)
        time.sleep(desktop_sign_in(self.server, self.code, user, "guess", attacker).retry_after + 0.5)
        burst = 16
        forms = [desktop_form(self.server, attacker) for _ in range(burst)]
        start_together = threading.Barrier(burst)

        def guess(i):
            start_together.wait()
            return post_desktop(self.server, forms[i], self.code, user, f"guess-{i}", attacker)

        with ThreadPoolExecutor(burst) as pool:
            answers = list(pool.map(guess, range(burst)))
        statuses = sorted(a.status for a in answers)
        self.assertEqual(statuses, [401] + [429] * (burst - 1), answers)
        self.assertTrue(all(a.retry_after for a in answers if a.status == 429))

    def test_console_keys_are_guarded_the_same_way(self):
        key_id, secret = self.server.root
        attacker, owner = "203.0.113.50", "198.51.100.50"
        statuses = exhaust(lambda: console_sign_in(self.server, key_id, "guess", attacker), longer_than=8)
        self.assertEqual(statuses[:6], [401] * 6)
        refused = console_sign_in(self.server, key_id, secret, attacker)
        self.assertEqual(refused.status, 429, refused)
        self.assertIn("TooManyRequestsException", refused.body)
        self.assertGreaterEqual(refused.retry_after, 1)
        signed_in = console_sign_in(self.server, key_id, secret, owner)
        self.assertEqual(signed_in.status, 200, signed_in)
        self.assertTrue(json.loads(signed_in.body)["signedIn"])
        self.assertLess(signed_in.seconds, PROMPT)
        # One /64 guessing key ids from many of its addresses is one network.
        n = iter(range(1, 10_000))

        def guess():
            i = next(n)
            return console_sign_in(self.server, f"AKIANOSUCHKEY{i:07d}", "guess", f"2001:db8:5:6::{i:x}")

        exhaust(guess, longer_than=8)
        fresh = console_sign_in(self.server, key_id, secret, "2001:db8:5:6:ffff::1")
        self.assertEqual(fresh.status, 429, fresh)
        self.assertEqual(console_sign_in(self.server, key_id, secret, "2001:db8:5:7::1").status, 200)


class StallingListener:
    """A TCP listener on 127.0.0.2 that passes connections through to slapd, until told to stall: from then on it
    accepts connections and never answers, as an address whose LDAP server hangs."""

    def __init__(self, port, target):
        self.target, self.stalling, self.held = target, False, []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.2", port))
        self.sock.listen(512)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.stalling:
                self.held.append(conn)
            else:
                threading.Thread(target=self._forward, args=(conn,), daemon=True).start()

    def _forward(self, conn):
        with conn:
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            with upstream:
                back = threading.Thread(target=self._pump, args=(upstream, conn), daemon=True)
                back.start()
                self._pump(conn, upstream)
                back.join()

    @staticmethod
    def _pump(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


class StalledDirectoryTest(unittest.TestCase):
    """Tenant 000000000000's AD Connector points at an LDAP address that stalls; tenant 111111111111 signs in with its
    own AD Connector (slapd) and its Simple AD all the while."""

    @classmethod
    def setUpClass(cls):
        env = subprocess.run(["bash", os.path.join(ROOT, "tests", "ldap", "slapd.sh"), "start", "corp.example.com"],
                             capture_output=True, text=True, check=True).stdout
        cls.ldap = dict(part.split("=", 1) for part in env.replace("export ", "").replace("'", "").split())
        port = int(cls.ldap["LDAP_PORT"])
        cls.listener = StallingListener(port, ("127.0.0.1", port))
        # Both LDAP servers listen on loopback: only --ldap-allow-loopback lets ConnectDirectory name them.
        cls.server = start("--ldap-port", str(port), "--ldap-bind-format", "cn={user},{base}",
                           "--ldap-timeout-seconds", "3", "--ldap-allow-loopback", "true", directories=[
                               {"DirectoryId": DEMO_DIRECTORY, "Users": ["alice"]},
                               {"DirectoryId": D_OTHER, "AccountId": OTHER, "Users": ["zoe"]}])
        r = cls.server.cli("keys", "create", "--account", OTHER)
        assert r.returncode == 0, r.stderr
        other = json.loads(r.stdout)
        other = (other["AccessKeyId"], other["SecretAccessKey"])
        cls.ws = client(cls.server)
        cls.other_ws = client(cls.server, key=other)
        # The stalled tenant: an AD Connector to 127.0.0.2, which answers (through to slapd) until it stalls.
        _, cls.stalled = cls.connect(client(cls.server, "ds"), cls.ws, "127.0.0.2")
        # The other tenant: an AD Connector to slapd itself, and a Simple AD.
        healthy, cls.healthy = cls.connect(client(cls.server, "ds", key=other), cls.other_ws, "127.0.0.1")
        create_workspace(cls.other_ws, healthy, "alice")
        set_password(cls.server, D_OTHER, "zoe", "zoe-password", account=OTHER)
        create_workspace(cls.other_ws, D_OTHER, "zoe")
        cls.simple_code = registration_code(cls.other_ws, D_OTHER)

    @classmethod
    def connect(cls, ds, ws, address):
        """Connects an AD Connector to the LDAP server at address and registers it: its id and registration code."""
        directory = ds.connect_directory(Name="corp.example.com", ShortName="CORP", Password="svc-password",
                                         Size="Small", ConnectSettings=dict(VPC, CustomerDnsIps=[address],
                                                                            CustomerUserName="svc"))["DirectoryId"]
        deadline = time.time() + 60
        while ds.describe_directories(DirectoryIds=[directory])["DirectoryDescriptions"][0]["Stage"] != "Active":
            assert time.time() < deadline, f"{directory} did not become Active"
            time.sleep(0.2)
        ws.register_workspace_directory(DirectoryId=directory)
        deadline = time.time() + 60
        while True:
            found = ws.describe_workspace_directories(DirectoryIds=[directory])["Directories"]
            if found and found[0]["State"] == "REGISTERED":
                return directory, found[0]["RegistrationCode"]
            assert time.time() < deadline, f"{directory} was not registered"
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.listener.stalling = False
        terminate_all(cls.other_ws)
        cls.server.stop()
        cls.listener.close()
        subprocess.run(["bash", os.path.join(ROOT, "tests", "ldap", "slapd.sh"), "stop", cls.ldap["LDAP_DIR"]])

    def other_tenant_signs_in(self, client_address):
        users = ((self.healthy, "alice", "alice-ldap-pw"), (self.simple_code, "zoe", "zoe-password"))
        for code, user, password in users:
            answer = desktop_sign_in(self.server, code, user, password, client_address)
            self.assertEqual(answer.status, 302, f"{user}: {answer}")
            self.assertLess(answer.seconds, PROMPT, f"{user}: {answer}")

    def test_a_stalled_directory_holds_only_its_own_sign_ins(self):
        self.other_tenant_signs_in("198.51.100.1")
        self.listener.stalling = True
        stop = threading.Event()
        answers = []

        def flood(worker):
            # The stalled tenant's users keep trying, each attempt from an address of its own.
            i = 0
            while not stop.is_set():
                i += 1
                answers.append(desktop_sign_in(self.server, self.stalled, "alice", "alice-ldap-pw",
                                               f"10.66.{worker}.{i % 250 + 1}"))

        with ThreadPoolExecutor(12) as pool:
            for w in range(12):
                pool.submit(flood, w)
            try:
                time.sleep(4)  # the stalled checks pile up
                for i in range(3):
                    self.other_tenant_signs_in(f"198.51.100.{10 + i}")
            finally:
                stop.set()
        self.assertTrue(answers)
        self.assertEqual({a.status for a in answers}, {503}, answers[:5])
        # Past the directory's few checks at once, its sign-ins are refused at once (well within the LDAP timeout),
        # with a Retry-After.
        refused = [a for a in answers if a.retry_after]
        self.assertTrue(refused, answers[:5])
        self.assertLess(min(a.seconds for a in refused), 2, refused[:5])

    def test_attempts_that_time_out_count_against_the_network(self):
        self.listener.stalling = True
        attacker = "10.77.0.1"
        statuses = []
        deadline = time.monotonic() + 150

        def attempt(_):
            return desktop_sign_in(self.server, self.stalled, "alice", "guess", attacker)

        with ThreadPoolExecutor(4) as pool:
            while time.monotonic() < deadline and 429 not in statuses:
                statuses += [a.status for a in pool.map(attempt, range(4))]
        self.assertIn(429, statuses, f"the network that kept timing out was never slowed down: {Counter(statuses)}")
        self.assertEqual(set(statuses), {503, 429})


if __name__ == "__main__":
    unittest.main()
