"""Packaging: `dotnet run` from any folder, the self-contained published executable, and the options table
(every option documented, unknown ones refused). Engine-independent: tests/run-all.sh runs it once."""
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import DLL, ensure_built, free_port


class PackagingTest(unittest.TestCase):
    ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

    def run_until_healthy(self, cmd, cwd):
        port = free_port()
        proc = subprocess.Popen([*cmd, "--urls", f"http://127.0.0.1:{port}", "--data", "./here"], cwd=cwd,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 120
            while True:
                self.assertIsNone(proc.poll(), "the server exited")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    self.assertLess(time.time(), deadline)
                    time.sleep(0.2)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(30), 0)
        # --data is relative to the folder the command was started from.
        self.assertTrue(os.path.exists(os.path.join(cwd, "here", "cubicle.db")), os.listdir(cwd))

    def test_dotnet_run_keeps_the_callers_folder(self):
        cwd = tempfile.mkdtemp(prefix="cubicle-run-")
        self.run_until_healthy(["dotnet", "run", "--project", os.path.join(self.ROOT, "src", "Cubicle.Server"),
                                "-c", "Release", "--no-build", "--"], cwd)

    def test_the_published_executable_runs_alone(self):
        out = tempfile.mkdtemp(prefix="cubicle-dist-")
        subprocess.run(["dotnet", "publish", os.path.join(self.ROOT, "src", "Cubicle.Server"),
                        "-p:PublishProfile=cubicle", f"-p:PublishDir={out}/", "-nologo", "-v", "q"],
                       check=True, capture_output=True, timeout=600)
        self.assertEqual(os.listdir(out), ["cubicle"])
        cwd = tempfile.mkdtemp(prefix="cubicle-cwd-")
        env_without_dotnet = {"PATH": "/usr/bin:/bin", "HOME": cwd}
        help_text = subprocess.run([os.path.join(out, "cubicle"), "--help"], capture_output=True, text=True,
                                   env=env_without_dotnet, check=True).stdout
        self.assertIn("--metrics-token", help_text)
        self.run_until_healthy([os.path.join(out, "cubicle")], cwd)

    def test_every_option_is_documented_and_unknown_ones_are_refused(self):
        ensure_built()
        help_text = subprocess.run(["dotnet", DLL, "--help"], capture_output=True, text=True, check=True).stdout
        options = set(re.findall(r"^  --([a-z0-9-]+)", help_text, re.M))
        with open(os.path.join(self.ROOT, "docs", "configuration.md")) as f:
            documented = set(re.findall(r"^\| `--([a-z0-9-]+)`(?:, `--([a-z0-9-]+)`)?", f.read(), re.M))
        documented = {name for pair in documented for name in pair if name}
        self.assertGreater(len(options), 40)
        self.assertEqual(options, documented)
        for args, message in [(["--metric-token", "x"], "unknown option --metric-token"),
                              (["--throttle-rate", "fast"], "--throttle-rate fast"),
                              (["--log-format", "xml"], "--log-format xml")]:
            r = subprocess.run(["dotnet", DLL, *args], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 2)
            self.assertIn(message, r.stderr)


if __name__ == "__main__":
    unittest.main()
