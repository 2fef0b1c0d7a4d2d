"""Several Cubicle nodes on one PostgreSQL database (a cluster), through real clients (boto3, the operator commands).

Every test starts its own nodes on a fresh database of the test cluster named by CUBICLE_TEST_POSTGRES (start one
with `eval "$(bash tests/postgres/cluster.sh start)"`); without it the tests are skipped. The outage test also needs
PGDIR (printed by the same command), since it stops and starts that cluster.

Each node runs as its own process, as in production: its own --node-name, its own loopback address (127.0.0.2,
127.0.0.3, ...), its own data folder, and the same database, master key, --audit-dir and --audit-signing-key.

What is proved (each test fails if the protection it is about were removed):
  1. SameUserTest: the same directory user created at the same moment on two nodes gets exactly one workspace (the
     others: ResourceExists.WorkSpace, never a 5xx); IP addresses stay unique; page tokens work across nodes;
  2. QuotaTest: --workspace-quota holds under concurrent creations on two nodes (ResourceLimitExceededException);
  3. TagLimitTest: the 50-tag limit holds under concurrent CreateTags on two nodes;
  4. KilledNodeTest: a node killed with SIGKILL while it holds transitions (leased jobs): another node finishes them
     once the lease lapses, and not before; a node restarted under its name takes its jobs back at once;
  5. AuditTrailTest: the audit trail of three nodes under load: every event delivered exactly once, in commit order,
     LookupEvents on every node, `verify` passes, and delivery moves to another node within seconds when its
     deliverer is killed; DelivererCrashTest: the deliverer killed after writing a file and before recording it;
  6. DeletedKeyTest: a key deleted (by `keys delete`) is refused by every node within a second;
  7. OutageTest: PostgreSQL stopped and started again: 503 ServiceUnavailable and /health 503 meanwhile, then
     recovery without a restart and nothing that was answered 200 lost; a node keeps its name through it;
  and ClusterStartTest: nodes started at the same moment on a new trail all start.

Where a race needs the database to be slow at one precise point to show, a Locker (a psql session holding a lock)
makes that moment long; it never changes what the nodes do, only when.
"""
import collections
import glob
import gzip
import json
import os
import signal
import subprocess
import threading
import time
import unittest

from botocore.exceptions import ClientError

import harness
from harness import ROOT
from cluster import (DIRECTORY, USERS, Cluster, JobPinner, Locker, all_workspaces, attempt, client, create_one,
                     failures, request, states, together, together_in_the_database, wait_states, wait_until)

PG = os.environ.get("CUBICLE_TEST_POSTGRES")
PGDIR = os.environ.get("PGDIR")
CLUSTER_SH = os.path.join(ROOT, "tests", "postgres", "cluster.sh")
NEEDS_POSTGRES = unittest.skipUnless(PG, "CUBICLE_TEST_POSTGRES is not set (eval \"$(bash tests/postgres/cluster.sh start)\")")




# ------------------------------------------------------------------------------------------------ 1. same user

@NEEDS_POSTGRES
class SameUserTest(unittest.TestCase):
    """CreateWorkspaces for one directory user, fired at the same moment at two nodes: one workspace, never two."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        try:
            cls.a = cls.cluster.add("node-a")
            cls.b = cls.cluster.add("node-b")
        except Exception:
            cls.cluster.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def test_one_workspace_per_user_across_nodes(self):
        # Two clients per node, so each round has four racing calls for one user; every other round the nodes
        # spell the user differently (names compare case-insensitively).
        clients = [client(self.a), client(self.a), client(self.b), client(self.b)]
        winners = collections.Counter()
        rounds = 30
        for r in range(rounds):
            user = USERS[r]
            spelled = [user, user, user.upper() if r % 2 else user, user.upper() if r % 2 else user]
            outcomes = together([lambda c=c, u=u: c.create_workspaces(Workspaces=[request(u)])
                                 for c, u in zip(clients, spelled)])
            with self.subTest(round=r, user=user):
                self.assertEqual(failures(outcomes) + [o for o in outcomes if not o.ok], [], "every call is answered 200")
                pending = [(i, w) for i, o in enumerate(outcomes) for w in o.value["PendingRequests"]]
                failed = [f for o in outcomes for f in o.value["FailedRequests"]]
                self.assertEqual(len(pending), 1, f"exactly one call creates {user}: {pending}")
                self.assertEqual([f["ErrorCode"] for f in failed], ["ResourceExists.WorkSpace"] * 3)
                winners["node-a" if pending[0][0] < 2 else "node-b"] += 1

        # The same, with every call held inside its transaction until all four are there (IP allocation, which comes
        # after the checks, waits for the subnets' rows): they overlap in the database for certain.
        for r in range(rounds, rounds + 5):
            user = USERS[r]
            outcomes = together_in_the_database(
                self.cluster, "SELECT subnet_id FROM subnets FOR UPDATE",
                [lambda c=c: c.create_workspaces(Workspaces=[request(user)]) for c in clients])
            with self.subTest(widened_round=r, user=user):
                self.assertEqual([o for o in outcomes if not o.ok], [], "every call is answered 200")
                self.assertEqual(sum(len(o.value["PendingRequests"]) for o in outcomes), 1)
                self.assertEqual([f["ErrorCode"] for o in outcomes for f in o.value["FailedRequests"]],
                                 ["ResourceExists.WorkSpace"] * 3)
        rounds += 5

        # Batches naming the same two users in opposite orders on the two nodes: each user once, the rest refused.
        for r in range(15):
            x, y = USERS[100 + 2 * r], USERS[101 + 2 * r]
            outcomes = together([lambda c=clients[0]: c.create_workspaces(Workspaces=[request(x), request(y)]),
                                 lambda c=clients[2]: c.create_workspaces(Workspaces=[request(y), request(x)])])
            with self.subTest(batch_round=r):
                self.assertEqual([o for o in outcomes if not o.ok], [], "every call is answered 200")
                created = sorted(w["UserName"] for o in outcomes for w in o.value["PendingRequests"])
                self.assertEqual(created, sorted([x, y]))
                self.assertEqual([f["ErrorCode"] for o in outcomes for f in o.value["FailedRequests"]],
                                 ["ResourceExists.WorkSpace"] * 2)

        listed = all_workspaces(clients[1], DirectoryId=DIRECTORY)
        per_user = collections.Counter(w["UserName"].lower() for w in listed if w["State"] != "TERMINATED")
        self.assertEqual(len(per_user), rounds + 30)
        self.assertEqual({u: n for u, n in per_user.items() if n != 1}, {}, "one workspace per user")
        addresses = collections.Counter((w["SubnetId"], w["IpAddress"]) for w in listed)
        self.assertEqual({k: n for k, n in addresses.items() if n > 1}, {}, "an IP address given twice")

        # A page token of one node is good on the other (they share the master key): paging across nodes, alternately.
        paged, token, turn = [], None, 0
        while True:
            kw = dict(DirectoryId=DIRECTORY, Limit=7)
            if token:
                kw["NextToken"] = token
            page = clients[turn % 4].describe_workspaces(**kw)
            paged += [w["WorkspaceId"] for w in page["Workspaces"]]
            token, turn = page.get("NextToken"), turn + 1
            if not token:
                break
        self.assertEqual(paged, [w["WorkspaceId"] for w in listed])
        self.assertEqual(self.cluster.sql("SELECT lower(user_name), count(*) FROM workspaces WHERE state<>'TERMINATED' "
                                          "GROUP BY 1 HAVING count(*)>1"), [])
        self.assertEqual(self.cluster.sql("SELECT active_workspaces FROM account_usage"), [[str(rounds + 30)]])
        print(f"\n  same-user rounds won by: {dict(winners)}", flush=True)


# ------------------------------------------------------------------------------------------------ conflicting changes

@NEEDS_POSTGRES
class ConflictingChangesTest(unittest.TestCase):
    """The same workspaces changed through both nodes at the same moment: an acknowledged terminate is never undone,
    and of two changes from one state at most one is acknowledged (the other: InvalidResourceState). Every call is
    held inside its transaction (the jobs table locked, which each change writes after its checks) until all are
    there, so the transactions overlap for certain."""

    COUNT = 25
    HOLD = "LOCK TABLE jobs IN SHARE MODE"

    @classmethod
    def setUpClass(cls):
        # Transitions long enough that none completes while a test looks at the states its calls left, even on a
        # machine busy enough to take seconds over a call.
        cls.cluster = Cluster(transition_seconds=15)
        try:
            cls.a = cls.cluster.add("node-a")
            cls.b = cls.cluster.add("node-b")
        except Exception:
            cls.cluster.close()
            raise
        cls.users = iter(USERS[400:])

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def available(self, mode="AUTO_STOP"):
        ws = client(self.a)
        ids = []
        for _ in range(self.COUNT):
            r = ws.create_workspaces(Workspaces=[request(next(self.users), WorkspaceProperties={"RunningMode": mode})])
            self.assertEqual(r["FailedRequests"], [])
            ids.append(r["PendingRequests"][0]["WorkspaceId"])
        wait_states(ws, ids, "AVAILABLE", timeout=90)
        return ids

    @staticmethod
    def item_codes(outcome, ids):
        """Per workspace of a batch answer: None when acknowledged, else its FailedRequests code."""
        failed = {f["WorkspaceId"]: f["ErrorCode"] for f in outcome.value["FailedRequests"]}
        return [failed.get(i) for i in ids]

    def race(self, first, second, ids, batched):
        """`first` through node A and `second` through node B on every workspace; their per-item codes."""
        a, b = client(self.a), client(self.b)
        if batched:
            calls = [lambda: first(a, ids), lambda: second(b, ids)]
        else:
            calls = [lambda i=i: first(a, [i]) for i in ids] + [lambda i=i: second(b, [i]) for i in ids]
        outcomes = together_in_the_database(self.cluster, self.HOLD, calls, timeout=30)
        self.assertEqual([o for o in outcomes if not o.ok], [], "every call is answered 200")
        if batched:
            return self.item_codes(outcomes[0], ids), self.item_codes(outcomes[1], ids)
        firsts = [self.item_codes(o, [i])[0] for o, i in zip(outcomes[:len(ids)], ids)]
        seconds = [self.item_codes(o, [i])[0] for o, i in zip(outcomes[len(ids):], ids)]
        return firsts, seconds

    @staticmethod
    def terminate(c, ids):
        return c.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": i} for i in ids])

    @staticmethod
    def reboot(c, ids):
        return c.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": i} for i in ids])

    @staticmethod
    def stop(c, ids):
        return c.stop_workspaces(StopWorkspaceRequests=[{"WorkspaceId": i} for i in ids])

    def check_terminated(self, ids, terminated, changed):
        self.assertEqual(terminated, [None] * len(ids), "a terminate is refused only for a SUSPENDED workspace")
        self.assertEqual({c for c in changed if c}, {"InvalidResourceState"} if any(changed) else set())
        ws = client(self.a)
        self.assertEqual(set(states(ws, ids).values()), {"TERMINATING"}, "an acknowledged terminate was overwritten")
        wait_states(ws, ids, "TERMINATED", timeout=90)

    def test_terminate_against_reboot_one_call_at_a_time(self):
        ids = self.available()
        self.check_terminated(ids, *self.race(self.terminate, self.reboot, ids, batched=False))

    def test_terminate_against_stop_in_batches(self):
        # Two batches meet on one workspace at a time (the first they both reach): a few rounds.
        for _ in range(3):
            ids = self.available()
            self.check_terminated(ids, *self.race(self.terminate, self.stop, ids, batched=True))

    def test_reboot_against_stop_at_most_one_acknowledged(self):
        ids = self.available()
        rebooted, stopped = self.race(self.reboot, self.stop, ids, batched=False)
        expected = {}
        for i, r, s in zip(ids, rebooted, stopped):
            self.assertTrue((r is None) != (s is None), f"{i}: reboot {r or 'acknowledged'}, stop {s or 'acknowledged'}")
            self.assertEqual(r or s, "InvalidResourceState")
            expected[i] = "REBOOTING" if r is None else "STOPPING"
        self.assertEqual(states(client(self.b), ids), expected)
        ws = client(self.a)
        wait_until(lambda: set(states(ws, ids).values()) <= {"AVAILABLE", "STOPPED"}, 90, "the transitions to end")


# ------------------------------------------------------------------------------------------------ 2. quota

@NEEDS_POSTGRES
class QuotaTest(unittest.TestCase):
    QUOTA = 4

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster("--workspace-quota", str(cls.QUOTA))
        try:
            cls.a = cls.cluster.add("node-a")
            cls.b = cls.cluster.add("node-b")
        except Exception:
            cls.cluster.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def active(self, ws):
        return [w for w in all_workspaces(ws) if w["State"] != "TERMINATED"]

    def storm(self, clients, batches):
        """Each batch of users created by its own client, all at once; returns the outcomes."""
        return together([lambda c=c, users=users: c.create_workspaces(Workspaces=[request(u) for u in users])
                         for c, users in zip(clients, batches)])

    def test_quota_holds_under_concurrent_creates_on_two_nodes(self):
        clients = [client(self.a if i % 2 == 0 else self.b) for i in range(10)]
        watcher = client(self.a)
        users = iter(USERS)
        most = [0]
        stop = threading.Event()

        def watch():  # samples the number of workspaces that count against the quota throughout
            while not stop.is_set():
                most[0] = max(most[0], len(self.active(watcher)))
                most[0] = max(most[0], int(self.cluster.sql("SELECT count(*) FROM workspaces WHERE state<>'TERMINATED'")[0][0]))

        sampler = threading.Thread(target=watch, daemon=True)
        sampler.start()
        try:
            def check(outcomes, expected_ok):
                self.assertEqual(failures(outcomes), [])
                good = [o for o in outcomes if o.ok]
                self.assertEqual(len(good), expected_ok, outcomes)
                for o in good:
                    self.assertEqual(o.value["FailedRequests"], [])
                self.assertEqual({o.code for o in outcomes if not o.ok}, {"ResourceLimitExceededException"})
                return [w["WorkspaceId"] for o in good for w in o.value["PendingRequests"]]

            # Ten single creations at once, five per node, all inside the database together: exactly QUOTA succeed.
            batches = [[next(users)] for _ in clients]
            created = check(together_in_the_database(
                self.cluster, "SELECT subnet_id FROM subnets FOR UPDATE",
                [lambda c=c, b=b: c.create_workspaces(Workspaces=[request(u) for u in b]) for c, b in zip(clients, batches)]),
                self.QUOTA)
            self.assertEqual(len(self.active(watcher)), self.QUOTA)

            # Then storms of calls as they come (no lock).
            # Two terminated (TERMINATED no longer counts): exactly two more of ten succeed.
            self.assertEqual(len(created), self.QUOTA)
            clients[1].terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w} for w in created[:2]])
            wait_states(watcher, created[:2], "TERMINATED")
            created = created[2:] + check(self.storm(clients, [[next(users)] for _ in clients]), 2)
            self.assertEqual(len(self.active(watcher)), self.QUOTA)

            # Three terminated, then batches of two at once: a batch goes in whole or not at all; only one fits.
            clients[0].terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w} for w in created[:3]])
            wait_states(watcher, created[:3], "TERMINATED")
            check(self.storm(clients, [[next(users), next(users)] for _ in clients]), 1)
            self.assertEqual(len(self.active(watcher)), self.QUOTA - 1)
        finally:
            stop.set()
            sampler.join(30)
        self.assertLessEqual(most[0], self.QUOTA, "the quota was exceeded at some moment")
        self.assertEqual(self.cluster.sql("SELECT active_workspaces FROM account_usage"), [[str(self.QUOTA - 1)]])


# ------------------------------------------------------------------------------------------------ 3. tags

@NEEDS_POSTGRES
class TagLimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        try:
            cls.a = cls.cluster.add("node-a")
            cls.b = cls.cluster.add("node-b")
        except Exception:
            cls.cluster.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def test_fifty_tags_at_most_under_concurrent_create_tags(self):
        ws_id = create_one(client(self.a), USERS[0])
        clients = [client(self.a if i % 2 == 0 else self.b) for i in range(16)]

        def tagger(c, keys):
            return lambda: c.create_tags(ResourceId=ws_id, Tags=[{"Key": k, "Value": "v"} for k in keys])

        def tags():
            return {t["Key"]: t["Value"] for t in clients[1].describe_tags(ResourceId=ws_id)["TagList"]}

        def run(key_sets, expected_ok, widened=False):
            calls = [tagger(c, keys) for c, keys in zip(clients, key_sets)]
            # Widened: every call held inside its transaction, past its count of the tags, until all are there.
            outcomes = together_in_the_database(self.cluster, "LOCK TABLE tags IN SHARE MODE", calls) if widened \
                else together(calls)
            self.assertEqual(failures(outcomes), [])
            self.assertEqual({o.code for o in outcomes if not o.ok} - {None}, {"ResourceLimitExceededException"} if
                             expected_ok < len(key_sets) else set())
            self.assertEqual(sum(o.ok for o in outcomes), expected_ok, outcomes)
            return [keys for keys, o in zip(key_sets, outcomes) if o.ok]

        # 16 calls of 4 new keys each (64 > 50), half on each node: exactly 12 fit (48 tags); a refused call adds none.
        accepted = run([[f"k{i:02d}-{j}" for j in range(4)] for i in range(16)], 12, widened=True)
        self.assertEqual(set(tags()), {k for keys in accepted for k in keys})
        # 8 calls of one new key each: exactly 2 fit (50).
        accepted = run([[f"one-{i}"] for i in range(8)], 2)
        current = tags()
        self.assertEqual(len(current), 50)
        self.assertTrue({k for keys in accepted for k in keys} <= set(current))
        # Overwriting existing keys adds nothing: every call succeeds, still 50.
        existing = sorted(current)
        outcomes = together([lambda c=c, k=k: c.create_tags(ResourceId=ws_id, Tags=[{"Key": k, "Value": "new"}])
                             for c, k in zip(clients[:8], existing[:8])])
        self.assertTrue(all(o.ok for o in outcomes), outcomes)
        self.assertEqual(len(tags()), 50)
        self.assertEqual(self.cluster.sql(f"SELECT count(*) FROM tags WHERE resource_id='{ws_id}'"), [["50"]])


# ------------------------------------------------------------------------------------------------ 4. SIGKILL

@NEEDS_POSTGRES
class KilledNodeTest(unittest.TestCase):
    LEASE = 6.0
    TRANSITION = 2.0  # time enough to freeze the node before its jobs are due, even on a busy machine

    def start_cluster(self, lease, transition=TRANSITION):
        self.cluster = Cluster("--job-lease-seconds", str(lease), transition_seconds=transition)
        self.addCleanup(self.cluster.close)
        return self.cluster

    def jobs(self, ids):
        """(workspace id, kind, lease owner, lease until in ms) of the queued jobs of these workspaces."""
        rows = self.cluster.sql("SELECT w.workspace_id, j.kind, coalesce(j.lease_owner, ''), coalesce(j.lease_until, 0) "
                                "FROM jobs j JOIN workspaces w ON w.seq=j.subject_seq WHERE j.subject='workspace' "
                                f"AND w.workspace_id IN ({','.join(repr(i) for i in ids)}) AND j.kind NOT IN ('PURGE', 'SNAPSHOT')")
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    def claimed_by(self, node, ids):
        return sum(owner.startswith(node + ":") for _, _, owner, _ in self.jobs(ids)) == len(ids)

    def test_another_node_finishes_the_transitions_of_a_killed_node(self):
        self.start_cluster(self.LEASE)
        a = self.cluster.add("node-a")  # only A runs at first: it claims every job
        wa = client(a)
        reboot = [create_one(wa, u) for u in USERS[:4]]
        terminate = [create_one(wa, u) for u in USERS[4:7]]
        queued = [create_one(wa, u) for u in USERS[7:9]]
        wait_states(wa, reboot + terminate + queued, "AVAILABLE")

        # Transitions begun on A, due in TRANSITION seconds: four Provisions (new workspaces), four Reboots, three
        # Terminates. A is frozen (SIGSTOP) right after the calls, while the test locks what their outcomes will
        # write (see JobPinner); thawed once all are due, A claims the eleven jobs at once and stays in the middle of
        # them. (Claiming them one after the other, A's worker could stall on renewing the first pinned lease before
        # claiming the rest: see test_a_waiting_outcome_holds_up_no_other_job.)
        pending = [w["WorkspaceId"] for w in
                   wa.create_workspaces(Workspaces=[request(u) for u in USERS[10:14]])["PendingRequests"]]
        self.assertEqual(wa.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": w} for w in reboot])["FailedRequests"], [])
        self.assertEqual(wa.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w} for w in terminate])["FailedRequests"], [])
        os.kill(a.proc.pid, signal.SIGSTOP)
        self.addCleanup(lambda: a.alive() and os.kill(a.proc.pid, signal.SIGCONT))
        held = pending + reboot + terminate
        pinner = JobPinner(self.cluster, held)
        self.addCleanup(pinner.release)
        self.assertEqual([owner for _, _, owner, _ in self.jobs(held)], [""] * len(held), "A claimed a job too early")
        wait_until(lambda: self.cluster.sql("SELECT count(*) FROM jobs WHERE kind<>'PURGE' AND "
                                            "due_at > extract(epoch FROM clock_timestamp()) * 1000") == [["0"]],
                   self.TRANSITION + 10, "the jobs to be due")
        os.kill(a.proc.pid, signal.SIGCONT)
        wait_until(lambda: self.claimed_by("node-a", held), 30, "node A to claim the 11 jobs",
                   details=lambda: f"jobs: {self.jobs(held)}, states: {states(wa, held)}")
        claimed = self.jobs(held)
        leases = {w: until for w, _, _, until in claimed}
        self.assertEqual(sorted(kind for _, kind, _, _ in claimed), ["PROVISION"] * 4 + ["REBOOT"] * 4 + ["TERMINATE"] * 3)
        self.assertEqual(set(states(wa, held).values()), {"PENDING", "REBOOTING", "TERMINATING"})

        b = self.cluster.add("node-b")
        wb = client(b)
        # And two reboots queued (not yet due, not leased) when A dies.
        self.assertEqual(wa.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": w} for w in queued])["FailedRequests"], [])
        self.assertEqual([j[2] for j in self.jobs(queued)], ["", ""])

        a.kill()
        killed_at = time.time()
        pinner.release()  # A's transactions die with its connections: nothing of its outcomes is committed

        done_at = {}
        everything = held + queued
        final = {w: "TERMINATED" if w in terminate else "AVAILABLE" for w in everything}

        def finished():
            self.cluster.wake_job_workers()  # B looks for work all the time: it must still leave live leases alone
            now = time.time()
            for w, s in states(wb, everything).items():
                if s == final[w] and w not in done_at:
                    done_at[w] = now
                self.assertIn(s, (final[w], "PENDING", "REBOOTING", "TERMINATING"), f"{w} went {s}")
            return len(done_at) == len(everything)

        wait_until(finished, self.LEASE + 15, "node B to finish every transition", interval=0.02)
        self.assertFalse(a.alive(), "A never came back")
        for w in held:
            # B respected A's lease (it never ran a job A still held) and took the job over as soon as it lapsed.
            self.assertGreaterEqual(done_at[w], leases[w] / 1000.0, f"{w} finished before A's lease ran out")
            self.assertLess(done_at[w], leases[w] / 1000.0 + 3.0, f"{w} finished long after A's lease ran out")
        self.assertLess(max(done_at.values()) - killed_at, self.LEASE + 3.0)
        self.assertEqual(self.jobs(everything), [], "no job is left (but the purges of terminated workspaces)")
        self.assertEqual(self.cluster.sql("SELECT state, count(*) FROM workspaces GROUP BY 1 ORDER BY 1"),
                         [["AVAILABLE", str(len(everything) - len(terminate))], ["TERMINATED", str(len(terminate))]])
        self.assertEqual(self.cluster.sql("SELECT active_workspaces FROM account_usage"),
                         [[str(len(everything) - len(terminate))]], "each termination counted once")
        late = max(done_at[w] - leases[w] / 1000.0 for w in held)
        print(f"\n  after SIGKILL of A: all {len(everything)} transitions done by B within "
              f"{max(done_at.values()) - killed_at:.2f}s (lease {self.LEASE}s; A's leases ran out "
              f"{max(leases.values()) / 1000.0 - killed_at:.2f}s after the kill, B finished each held one at most "
              f"{late:.2f}s after its lease ran out)", flush=True)

    def test_a_node_restarted_after_sigkill_takes_its_jobs_back_at_once(self):
        lease = 40.0  # another node waits a lease out; the same node, restarted, knows its old process is dead
        self.start_cluster(lease, transition=1.0)
        a = self.cluster.add("node-a")
        wa = client(a)
        held = [create_one(wa, u) for u in USERS[:3]]
        wait_states(wa, held, "AVAILABLE")
        pinner = JobPinner(self.cluster, account=True)
        self.addCleanup(pinner.release)
        self.assertEqual(wa.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": w} for w in held])["FailedRequests"], [])
        wait_until(lambda: self.claimed_by("node-a", held), 30, "node A to claim the 3 jobs")
        lapses = min(until for _, _, _, until in self.jobs(held)) / 1000.0
        b = self.cluster.add("node-b")
        wb = client(b)
        a.kill()
        pinner.release()
        # B leaves A's live leases alone, however often it is woken...
        watch_until = time.monotonic() + 3
        while time.monotonic() < watch_until:
            self.cluster.wake_job_workers()
            self.assertEqual(set(states(wb, held).values()), {"TERMINATING"}, "B took over a job whose lease still ran")
        # ...and A, back under its name, frees the leases of its dead process at once: no waiting for them to lapse.
        a.start()
        wait_states(wb, held, "TERMINATED", timeout=lease)
        done = time.time()
        self.assertLess(done, lapses, "the transitions waited for the old process's leases to lapse")
        self.assertIn("Took back 3 jobs", a.full_log())
        self.assertEqual(self.cluster.sql("SELECT active_workspaces FROM account_usage"), [["0"]])
        print(f"\n  node A restarted: its 3 jobs done {lapses - done:.1f}s before their old leases would have lapsed",
              flush=True)


    def test_a_waiting_outcome_holds_up_no_other_job(self):
        """A job's outcome that waits for a lock in the database (here: a Terminate's, on the account's usage row,
        which every CreateWorkspaces and CreateTags of the account takes) must not hold up the node's other jobs:
        the worker runs each job on its own, so one slow job never holds up the others."""
        self.start_cluster(self.LEASE, transition=1.0)
        a = self.cluster.add("node-a")
        wa = client(a)
        slow, other = [create_one(wa, u) for u in USERS[:2]]
        wait_states(wa, [slow, other], "AVAILABLE")
        pinner = JobPinner(self.cluster, account=True)
        self.addCleanup(pinner.release)
        self.assertEqual(wa.terminate_workspaces(TerminateWorkspaceRequests=[{"WorkspaceId": slow}])["FailedRequests"], [])
        wait_until(lambda: self.claimed_by("node-a", [slow]), 30, "node A to claim the Terminate")
        time.sleep(self.LEASE / 3 + 0.5)  # the worker's lease renewals come round meanwhile
        began = time.monotonic()
        self.assertEqual(wa.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": other}])["FailedRequests"], [])
        wait_until(lambda: states(wa, [other]) == {other: "AVAILABLE"}, self.TRANSITION + 5,
                   "the other workspace's reboot while the Terminate's outcome waits",
                   details=lambda: "node A's sessions: " + "; ".join(" ".join(r) for r in self.cluster.sql(
                       "SELECT state, wait_event_type, left(query, 70) FROM pg_stat_activity WHERE "
                       "datname=current_database() AND application_name='cubicle' AND state<>'idle'")))
        self.assertLess(time.monotonic() - began, self.TRANSITION + 5)
        pinner.release()
        wait_states(wa, [slow], "TERMINATED")


# ------------------------------------------------------------------------------------------------ 5. audit trail

def trail_files(root, kind):
    pattern = "CloudTrail-Digest" if kind == "digest" else "CloudTrail"
    return sorted(glob.glob(os.path.join(root, "AWSLogs", "*", pattern, "**", "*.json.gz"), recursive=True))


def read_gz(path):
    with gzip.open(path, "rt") as f:
        return json.load(f)


def delivered_records(root):
    """Every record of every delivered log file, in no particular order."""
    return [r for path in trail_files(root, "log") for r in read_gz(path)["Records"]]


def trail_order(root):
    """The delivered records in the trail's order: digests from the first (no previous digest) along the chain, the
    log files of each digest in the order it lists them, the records of each file in their order. Returns the
    records, the log files no digest lists yet, and the number of digests."""
    digests = {os.path.relpath(p, root): read_gz(p) for p in trail_files(root, "digest")}
    following = {}
    first = []
    for path, doc in digests.items():
        if doc.get("previousDigestS3Object"):
            assert doc["previousDigestS3Object"] not in following, f"two digests follow {doc['previousDigestS3Object']}"
            following[doc["previousDigestS3Object"]] = path
        else:
            first.append(path)
    assert len(first) <= 1, f"several chains start: {first}"
    records, listed, chain = [], set(), first[:1]
    while chain and chain[-1] in following:
        chain.append(following[chain[-1]])
    assert len(chain) == len(digests), f"the chain holds {len(chain)} of {len(digests)} digests"
    for path in chain:
        for log in digests[path]["logFiles"]:
            assert log["s3Object"] not in listed, f"{log['s3Object']} is listed twice"
            listed.add(log["s3Object"])
            records += read_gz(os.path.join(root, log["s3Object"]))["Records"]
    unlisted = [p for p in (os.path.relpath(p, root) for p in trail_files(root, "log")) if p not in listed]
    return records, unlisted, len(chain)


@NEEDS_POSTGRES
class AuditTrailTest(unittest.TestCase):
    """Three nodes under load; their events delivered exactly once and in commit order, across a deliverer's death."""

    def setUp(self):
        self.cluster = Cluster("--audit-delivery-seconds", "1", "--audit-digest-seconds", "2", transition_seconds=0.5)
        self.addCleanup(self.cluster.close)
        self.nodes = [self.cluster.add(f"node-{n}") for n in "abc"]

    def deliverers(self):
        return [n for n in self.nodes if "This node delivers the audit trail" in n.full_log()]

    def test_three_nodes_deliver_every_event_once_in_order(self):
        root = self.cluster.audit_dir
        first = wait_until(lambda: self.deliverers(), 15, "a deliverer")
        self.assertEqual(len(first), 1, "one deliverer at a time")
        doomed = first[0]
        survivors = [n for n in self.nodes if n is not doomed]

        # Clients: two per node, each on its own users; and two that go round the nodes, call after call.
        lock = threading.Lock()
        sequences = {}  # client name -> request ids of its calls, in the order it made them (one after the other)
        creates = set()
        in_flight = collections.Counter()
        stop_doomed, stop_all = threading.Event(), threading.Event()
        user_pool = iter(USERS)

        def next_user():
            with lock:
                return next(user_pool, None)

        def work(name, nodes_of, stop):
            clients = {n.name: client(n) for n in self.nodes}
            seen = sequences.setdefault(name, [])
            mine = []
            i = 0
            while not stop.is_set() and not stop_all.is_set():
                with lock:  # the choice of node and the call's registration are one step (see stop_doomed)
                    targets = nodes_of()
                    target = targets[i % len(targets)]
                    in_flight[target.name] += 1
                ws = clients[target.name]
                step = i % 5
                if step == 0:
                    user = next_user()
                    call = (lambda u=user: ws.create_workspaces(Workspaces=[request(u)])) if user else \
                        (lambda: ws.describe_workspaces(Limit=5))
                elif step == 1 and mine:
                    call = lambda: ws.create_tags(ResourceId=mine[-1], Tags=[{"Key": f"t{i}", "Value": name}])
                elif step == 2 and mine:
                    call = lambda: ws.describe_workspaces(WorkspaceIds=mine[-3:])
                elif step == 3:
                    call = lambda: ws.describe_tags(ResourceId="ws-000000000")  # fails: its event records the error
                else:
                    call = lambda: ws.describe_workspace_directories(DirectoryIds=[DIRECTORY])
                o = attempt(call)
                with lock:
                    in_flight[target.name] -= 1
                self.assertTrue(o.ok or (o.status and o.status < 500), f"{name}: {o}")
                seen.append(o.request_id)
                if o.ok and step == 0 and "PendingRequests" in o.value:
                    mine += [w["WorkspaceId"] for w in o.value["PendingRequests"]]
                    with lock:
                        creates.add(o.request_id)
                i += 1

        errors = []

        def guarded(*args):
            try:
                work(*args)
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads, doomed_threads = [], []
        for n in self.nodes:
            stop = stop_doomed if n is doomed else stop_all
            for k in range(2):
                threads.append(threading.Thread(target=guarded, args=(f"{n.name}/{k}", lambda n=n: [n], stop), daemon=True))
                if n is doomed:
                    doomed_threads.append(threads[-1])
        live = lambda: [n for n in self.nodes if not (n is doomed and stop_doomed.is_set())]
        for k in range(2):
            threads.append(threading.Thread(target=guarded, args=(f"roaming/{k}", live, stop_all), daemon=True))
        for t in threads:
            t.start()

        time.sleep(4)  # load on every node (some deliveries and digests happen meanwhile)
        # No call is left in flight on the deliverer when it dies, so every event it wrote was answered to a client
        # (the roaming clients stop choosing it too).
        with lock:
            stop_doomed.set()
        for t in doomed_threads:
            t.join(30)
        wait_until(lambda: in_flight[doomed.name] == 0, 30, "the calls in flight on the deliverer")
        doomed.kill()
        killed_at = time.monotonic()
        took_over = wait_until(lambda: [n for n in survivors if "This node delivers the audit trail" in n.full_log()],
                               20, "another node to take delivery over", interval=0.05)
        takeover = time.monotonic() - killed_at
        self.assertEqual(len(took_over), 1, "one deliverer at a time")
        marker_ws = client(survivors[0])
        marker = marker_ws.describe_workspace_bundles(Owner="AMAZON")["ResponseMetadata"]["RequestId"]
        sequences["marker"] = [marker]
        wait_until(lambda: marker in {r["requestID"] for r in delivered_records(root)}, 20,
                   "an event made after the kill to be delivered")
        delivered_after = time.monotonic() - killed_at
        time.sleep(3)  # load on the two survivors after the takeover
        stop_all.set()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])

        seen = [rid for seq in sequences.values() for rid in seq]
        self.assertTrue(seen, "calls were made")
        self.assertTrue(all(seen), "every call had a request id")
        self.assertEqual(len(seen), len(set(seen)))

        def settled():
            ids = [r["requestID"] for r in delivered_records(root)]
            return set(seen) <= set(ids) and ids

        wait_until(settled, 60, "every event to be delivered")
        time.sleep(2.5)  # one more delivery period: nothing more may arrive
        delivered = [r["requestID"] for r in delivered_records(root)]
        dupes = [rid for rid, n in collections.Counter(delivered).items() if n > 1]
        self.assertEqual(dupes, [], "an event was delivered twice")
        self.assertEqual(set(delivered) - set(seen), set(), "events nobody asked for")
        self.assertEqual(set(seen) - set(delivered), set(), "events missing")

        # Commit order. The trail's order (trail_order): the digest chain from its first digest on, each digest's log
        # files in the order it lists them, each file's records in order. Checked: for every client (a thread whose
        # calls are made one after the other, on one node or going round the three), the places of its calls' events
        # in that order increase. A call answered before the next one began committed first, so its event comes
        # first, whichever nodes took the two calls and whichever delivered them.
        ordered = wait_until(lambda: (lambda o: o if not o[1] else None)(trail_order(root)), 30,
                             "every log file to be digested")
        records, _, digests = ordered
        position = {r["requestID"]: i for i, r in enumerate(records)}
        self.assertEqual(len(position), len(records))
        for name, seq in sequences.items():
            with self.subTest(client=name):
                places = [position[rid] for rid in seq]
                self.assertEqual(places, sorted(places), f"{name}'s events are out of order")

        # LookupEvents on every live node finds every CreateWorkspaces, whichever node took the call.
        lookups = []
        for n in survivors:
            ct = client(n, "cloudtrail")
            found, token = set(), None
            while True:
                kw = dict(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateWorkspaces"}],
                          MaxResults=50)
                if token:
                    kw["NextToken"] = token
                page = ct.lookup_events(**kw)
                lookups.append(page["ResponseMetadata"]["RequestId"])
                found |= {json.loads(e["CloudTrailEvent"])["requestID"] for e in page["Events"]}
                token = page.get("NextToken")
                if not token:
                    break
            with self.subTest(lookup_on=n.name):
                self.assertTrue(creates <= found, f"{len(creates - found)} creations missing on {n.name}")

        # The lookups are events too: delivered once as well. Then the whole trail verifies.
        wait_until(lambda: set(lookups) <= {r["requestID"] for r in delivered_records(root)}, 30, "the lookups' events")
        time.sleep(2.5)
        delivered = [r["requestID"] for r in delivered_records(root)]
        self.assertEqual(len(delivered), len(set(delivered)))
        self.assertEqual(set(delivered), set(seen) | set(lookups))
        wait_until(lambda: not trail_order(root)[1], 30, "every log file to be digested")
        r = survivors[0].cli("verify", "--audit-dir", root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(" 0 problem(s)", r.stdout)
        print(f"\n  audit: {len(set(delivered))} events from {len(sequences)} clients on 3 nodes, {digests} digests; "
              f"deliverer {doomed.name} killed, {took_over[0].name} took over after {takeover:.2f}s, "
              f"first event after the kill delivered {delivered_after:.2f}s after it", flush=True)


@NEEDS_POSTGRES
class DelivererCrashTest(unittest.TestCase):
    """The deliverer killed at the two moments when a file of its is in the trail's folder but not yet recorded in
    the database (a SHARE lock on audit_files holds it right there): whoever delivers next must leave a trail that
    has every event once and that `verify` accepts."""

    def crash_while_recording(self, digest_seconds, make_calls, written_before_recorded):
        cluster = Cluster("--audit-delivery-seconds", "1", "--audit-digest-seconds", str(digest_seconds))
        self.addCleanup(cluster.close)
        nodes = [cluster.add("node-a"), cluster.add("node-b")]
        root = cluster.audit_dir
        deliverer = wait_until(lambda: [n for n in nodes if "This node delivers the audit trail" in n.full_log()],
                               15, "a deliverer")[0]
        other = next(n for n in nodes if n is not deliverer)
        ws = client(other)
        seen = [ws.describe_workspaces()["ResponseMetadata"]["RequestId"]]
        wait_until(lambda: cluster.sql("SELECT (SELECT count(*) FROM audit_waiting) + (SELECT count(*) FROM audit_positions "
                                       "WHERE pos > (SELECT value::bigint FROM meta WHERE key='audit-delivered-through'))")
                   == [["0"]],
                   20, "every event to be delivered")
        locker = Locker(cluster, "LOCK TABLE audit_files IN SHARE MODE")
        self.addCleanup(locker.release)
        seen += make_calls(ws)
        wait_until(lambda: cluster.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type='Lock' "
                                       "AND datname=current_database() AND query LIKE 'INSERT INTO audit_files%'")
                   == [["1"]], 20,
                   "the deliverer to record a file")
        recorded = {r[0] for r in cluster.sql("SELECT path FROM audit_files")}
        unrecorded = [os.path.relpath(p, root) for p in trail_files(root, "log") + trail_files(root, "digest")
                      if os.path.relpath(p, root) not in recorded]
        # A log file is written before it is recorded (its name derives from its events: a new deliverer writes it
        # again); a digest is recorded before it is written (a new deliverer writes the recorded one).
        self.assertEqual(len(unrecorded), written_before_recorded, unrecorded)
        deliverer.kill()
        self.killed_ms = int(time.time() * 1000)
        locker.release()
        wait_until(lambda: "This node delivers the audit trail" in other.full_log(), 15, "the other node to deliver")
        seen.append(ws.describe_workspaces()["ResponseMetadata"]["RequestId"])
        wait_until(lambda: set(seen) <= {r["requestID"] for r in delivered_records(root)}, 20, "delivery")
        return cluster, other, root, seen, unrecorded

    def verify(self, node, root):
        r = node.cli("verify", "--audit-dir", root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_killed_after_writing_log_files(self):
        def creates(ws):
            return [ws.create_workspaces(Workspaces=[request(u)])["ResponseMetadata"]["RequestId"] for u in USERS[:3]]

        cluster, other, root, seen, unrecorded = self.crash_while_recording(3600, creates, written_before_recorded=1)
        self.assertIn("/CloudTrail/", unrecorded[0])
        delivered = collections.Counter(r["requestID"] for r in delivered_records(root))
        self.assertEqual({rid: n for rid, n in delivered.items() if n != 1}, {}, "delivered twice")
        self.assertEqual(set(delivered), set(seen))
        self.verify(other, root)

    def test_killed_while_recording_a_digest(self):
        cluster, other, root, seen, unrecorded = self.crash_while_recording(2, lambda ws: [], written_before_recorded=0)
        # The next deliverer goes on with the chain: two digests of its own, and every log file in a digest.
        wait_until(lambda: int(cluster.sql("SELECT count(*) FROM audit_files WHERE kind='DIGEST' "
                                           f"AND created_at > {self.killed_ms}")[0][0]) >= 2 and
                   not cluster.sql("SELECT 1 FROM audit_files WHERE kind='LOG' AND digest_seq IS NULL"),
                   30, "the next digests")
        self.verify(other, root)


def why_it_stopped(node):
    lines = node.full_log().splitlines()
    for marker in ("Unhandled exception", "Refusing to start", "Exception"):
        for line in lines:
            if marker in line:
                return line[:400]
    return "\n".join(lines[-5:])[-400:]


@NEEDS_POSTGRES
class ClusterStartTest(unittest.TestCase):
    ROUNDS = 6

    def test_nodes_started_together_on_a_new_trail(self):
        """A cluster's first start: four nodes started at the same moment, sharing an --audit-signing-key that does
        not exist yet. Every node starts, and all sign with one key. (A race shows in some starts only: several
        rounds, each on a fresh database and folder.)"""
        for r in range(self.ROUNDS):
            cluster = Cluster()
            try:
                nodes = [cluster.add(f"node-{n}", start=False) for n in "abcd"]
                outcomes = together([n.start for n in nodes])
                broken = {n.name: why_it_stopped(n) for n, o in zip(nodes, outcomes) if not o.ok}
                self.maxDiff = None
                self.assertEqual(broken, {}, f"round {r}: nodes did not start")
                self.assertEqual(len(glob.glob(os.path.join(cluster.audit_dir, "public-keys", "*.pem"))), 1)
            finally:
                cluster.close()


# ------------------------------------------------------------------------------------------------ 6. deleted key

@NEEDS_POSTGRES
class DeletedKeyTest(unittest.TestCase):
    def setUp(self):
        # The deleted key is hammered from this one address: past --auth-failures the address would be answered
        # Throttling, whatever it sends. That bound has tests of its own (test_strangers); here, caches across nodes.
        self.cluster = Cluster("--auth-failures", "0")
        self.addCleanup(self.cluster.close)
        self.a = self.cluster.add("node-a")
        self.b = self.cluster.add("node-b")

    def test_a_key_deleted_on_one_node_is_refused_by_every_node_within_a_second(self):
        r = self.a.cli("keys", "create", "--account", "000000000000")
        self.assertEqual(r.returncode, 0, r.stderr)
        key = json.loads(r.stdout)
        users = {n.name: client(n, key=key["AccessKeyId"], secret=key["SecretAccessKey"]) for n in (self.a, self.b)}
        for ws in users.values():  # each node knows the key (and caches it)
            ws.describe_workspaces()

        # Both nodes keep using the key while it is deleted through node A's command.
        refused_at, stop = {}, threading.Event()
        unexpected = []

        def hammer(name, ws):
            while not stop.is_set():
                o = attempt(lambda: ws.describe_workspace_bundles(Owner="AMAZON"))
                if o.ok:
                    if name in refused_at:
                        unexpected.append(f"{name} accepted the key again after refusing it")
                elif o.code == "InvalidClientTokenId":
                    refused_at.setdefault(name, time.monotonic())
                else:
                    unexpected.append(f"{name}: {o}")

        threads = [threading.Thread(target=hammer, args=item, daemon=True) for item in users.items()]
        for t in threads:
            t.start()
        try:
            time.sleep(0.3)
            # The command prints its answer once the deletion is committed: that moment is when the clock starts.
            deleting = subprocess.Popen(["dotnet", harness.DLL, "keys", "delete", "--access-key-id", key["AccessKeyId"],
                                         "--data", self.a.data], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=self.a.env)
            first_line = deleting.stdout.readline()
            deleted_at = time.monotonic()
            out, err = deleting.stdout.read(), deleting.stderr.read()
            deleting.stdout.close()
            deleting.stderr.close()
            self.assertEqual(deleting.wait(60), 0, err)
            self.assertIn(key["AccessKeyId"], first_line + out)
            wait_until(lambda: len(refused_at) == 2, 5, "both nodes to refuse the key")
            time.sleep(1.5)  # and they keep refusing it
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertEqual(unexpected, [])
        for name, at in refused_at.items():
            with self.subTest(node=name):
                self.assertLess(at - deleted_at, 2.0, f"{name} accepted the deleted key for {at - deleted_at:.2f}s")
        for n in (self.a, self.b):
            with self.assertRaises(ClientError) as e:
                client(n, key=key["AccessKeyId"], secret=key["SecretAccessKey"]).describe_workspaces()
            self.assertEqual(e.exception.response["Error"]["Code"], "InvalidClientTokenId")
            self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        print("\n  deleted key refused after: " + ", ".join(f"{n} {t - deleted_at:.2f}s" for n, t in sorted(refused_at.items())),
              flush=True)


# ------------------------------------------------------------------------------------------------ 7. outage

def cluster_sh(verb):
    subprocess.run(["bash", CLUSTER_SH, verb, PGDIR], check=True, capture_output=True, timeout=120)


@NEEDS_POSTGRES
@unittest.skipUnless(PGDIR, "PGDIR is not set: the test cluster cannot be stopped and started")
class OutageTest(unittest.TestCase):
    """PostgreSQL stopped and started again while two nodes run."""

    def setUp(self):
        self.cluster = Cluster("--job-lease-seconds", "5", "--audit-delivery-seconds", "1", "--audit-digest-seconds", "2",
                               transition_seconds=2)
        self.addCleanup(self.cluster.close)
        self.a = self.cluster.add("node-a")
        self.b = self.cluster.add("node-b")

    def test_nodes_answer_503_meanwhile_and_recover_by_themselves(self):
        a, b = self.a, self.b
        wa, wb = client(a), client(b)
        r = a.cli("keys", "create", "--account", "000000000000")
        self.assertEqual(r.returncode, 0, r.stderr)
        key = json.loads(r.stdout)
        answered = []  # request ids of calls answered 200 before the outage

        def remember(response):
            answered.append(response["ResponseMetadata"]["RequestId"])
            return response

        available = [remember(w.create_workspaces(Workspaces=[request(u)]))["PendingRequests"][0]["WorkspaceId"]
                     for w, u in ((wa, USERS[0]), (wb, USERS[1]))]
        wait_states(wa, available, "AVAILABLE")
        remember(wb.create_tags(ResourceId=available[0], Tags=[{"Key": "before", "Value": "outage"}]))
        # Transitions begun just before the outage, due while the database is down.
        started = [remember(w.create_workspaces(Workspaces=[request(u)]))["PendingRequests"][0]["WorkspaceId"]
                   for w, u in ((wa, USERS[2]), (wb, USERS[3]))]
        self.assertEqual(remember(wa.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": available[1]}]))["FailedRequests"], [])
        everything = available + started
        pids = {n.name: n.proc.pid for n in (a, b)}

        cluster_sh("pause")
        resumed = False
        try:
            for n, ws in ((a, wa), (b, wb)):
                with self.subTest(during_outage=n.name):
                    wait_until(lambda: n.health() == 503, 10, f"{n.name}'s /health to answer 503")
                    keyed = client(n, key=key["AccessKeyId"], secret=key["SecretAccessKey"])
                    for call in (lambda: ws.describe_workspaces(),
                                 lambda: ws.create_workspaces(Workspaces=[request(USERS[50])]),
                                 lambda: ws.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": available[0]}]),
                                 lambda: keyed.describe_workspaces()):
                        o = attempt(call)
                        self.assertEqual((o.code, o.status), ("ServiceUnavailable", 503), o)
            time.sleep(2)  # the background work (jobs, delivery, heartbeats) meets the outage too
            cluster_sh("resume")
            resumed = True
        finally:
            if not resumed:
                cluster_sh("resume")
        resumed_at = time.monotonic()

        # The same processes recover: /health 200, then every call is answered again.
        for n, ws in ((a, wa), (b, wb)):
            with self.subTest(after_outage=n.name):
                wait_until(lambda: n.health() == 200, 30, f"{n.name}'s /health to answer 200 again")
                recovered = time.monotonic() - resumed_at
                later = [attempt(lambda: ws.describe_workspaces(WorkspaceIds=everything)) for _ in range(20)]
                self.assertEqual([o for o in later if not o.ok], [], f"{n.name}: calls failed after /health said 200")
                self.assertEqual(n.proc.pid, pids[n.name])
                self.assertTrue(n.alive())
                print(f"\n  {n.name}: /health 200 {recovered:.2f}s after PostgreSQL came back", flush=True)

        # Nothing answered 200 before the outage is lost; what was begun finishes.
        for ws in (wa, wb):
            self.assertEqual(set(states(ws, everything)), set(everything))
        wait_states(wb, everything, "AVAILABLE", timeout=30)
        self.assertEqual(wa.describe_tags(ResourceId=available[0])["TagList"], [{"Key": "before", "Value": "outage"}])
        client(b, key=key["AccessKeyId"], secret=key["SecretAccessKey"]).describe_workspaces()

        # Both nodes work as before: new transitions (queued by one node, possibly run by the other) finish.
        fresh = [create_one(wa, USERS[60]), create_one(wb, USERS[61])]
        self.assertEqual(wb.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": everything[0]}])["FailedRequests"], [])
        wait_states(wa, fresh + [everything[0]], "AVAILABLE", timeout=30)

        # The events of the calls answered before the outage were durable: delivered after it, once each.
        root = self.cluster.audit_dir
        wait_until(lambda: set(answered) <= {r["requestID"] for r in delivered_records(root)}, 30,
                   "the events of the calls answered before the outage")
        delivered = collections.Counter(r["requestID"] for r in delivered_records(root))
        self.assertEqual([rid for rid in answered if delivered[rid] != 1], [])


    def test_a_node_keeps_its_name_through_an_outage(self):
        """One process at a time runs under a node name (its earlier processes' leases are freed on that ground):
        a second process under a running node's name is refused, before an outage and after it alike."""
        first = self.cluster.add("node-a", start=False)
        o = attempt(first.start)
        self.assertFalse(o.ok, "a second node-a started while node-a runs")
        self.assertIn("already runs as node 'node-a'", str(o.error))

        cluster_sh("pause")
        try:
            wait_until(lambda: self.a.health() == 503, 10, "/health 503")
        finally:
            cluster_sh("resume")
        wait_until(lambda: self.a.health() == 200 and self.b.health() == 200, 30, "/health 200")
        client(self.a).describe_workspaces()

        second = self.cluster.add("node-a", start=False)
        o = attempt(second.start)
        self.assertTrue(self.a.alive())
        self.assertFalse(o.ok, "after the outage, a second process started as node-a while node-a runs")
        self.assertIn("already runs as node 'node-a'", str(o.error))


if __name__ == "__main__":
    unittest.main()
