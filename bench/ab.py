"""Before and after: one scenario against two builds of Cubicle, in the same session, runs alternating so that the
machine's drift falls on both. Usage: python3 bench/ab.py BEFORE.dll AFTER.dll (each a built Cubicle.Server.dll,
e.g. from a git worktree of the older commit). Scenario: DescribeWorkspaces Limit 25 over 1,000 stored workspaces
on SQLite with the defaults (durable audit of reads), at 1 and 16 connections; BENCH_REPEAT rounds (default 3)
of BENCH_SECONDS each (default 8). Prints each run and the medians."""
import os
import shutil
import statistics
import sys

import harness
from harness import Cubicle, WORK, populate, wrk
from sign import lua_replay


def server(dll, data, engine_args=()):
    harness.CUBICLE = dll
    return Cubicle(data, *engine_args).start()


def prepared(dll, name, stored=1000):
    data = os.path.join(WORK, name)
    os.makedirs(data)
    server(dll, data).stop()   # the schema and the demo directory, as that build makes them
    populate(data, stored)
    server(dll, data).stop()   # renders the rows' API JSON once
    return data


def main(before, after):
    rounds = int(os.environ.get("BENCH_REPEAT", "3"))
    builds = {"before": (before, prepared(before, "before")), "after": (after, prepared(after, "after"))}
    runs = {(label, c): [] for label in builds for c in (1, 16)}
    for r in range(rounds):
        for label in (("before", "after") if r % 2 == 0 else ("after", "before")):
            dll, data = builds[label]
            s = server(dll, data)
            lua = lua_replay(s.url, "WorkspacesService.DescribeWorkspaces", '{"Limit": 25}')
            for c in (1, 16):
                rps, p50, p99, errors = wrk(s.url, lua, c)
                runs[(label, c)].append((rps, p99))
                print(f"round {r + 1} {label:6} c={c:2}: {rps:9,.0f} req/s  p50 {p50:.3f} ms  p99 {p99:.3f} ms"
                      f"  non-2xx {errors}", flush=True)
            s.stop()
    print("\nmedians (req/s, p99 ms):")
    for c in (1, 16):
        b = [x for x in runs[("before", c)]]
        a = [x for x in runs[("after", c)]]
        mb, ma = statistics.median(x[0] for x in b), statistics.median(x[0] for x in a)
        pb, pa = statistics.median(x[1] for x in b), statistics.median(x[1] for x in a)
        print(f"  c={c:2}: before {mb:9,.0f} ({pb:.2f} ms)  after {ma:9,.0f} ({pa:.2f} ms)  after/before {ma / mb:.2f}")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
