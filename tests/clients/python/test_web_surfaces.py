"""The browser surfaces as an attacker's page or link sees them, over HTTP(S): noVNC's own pages (vnc.html and the
others, which take the server to connect to from their query) are not served, so no link shows someone else's desktop,
or a look-alike asking for passwords, under Cubicle's origin; the one page that opens a desktop is Cubicle's, and it
connects to nothing but this server's bridge. The desktop pages and the console are served with a strict
Content-Security-Policy (connect-src 'self', frame-ancestors 'none', no inline script or style), X-Frame-Options DENY
and nosniff; over https, HSTS and cookies with the __Host- prefix (Secure, Path=/, no Domain).

The desktop pages exist only with --desktops local (root and the desktop packages; tests/run-all.sh installs them).
The browser tests (tests/clients/js) open a desktop and the console under these headers and check that Chromium
reports no Content-Security-Policy violation."""
import base64
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import Server, free_port

DESKTOP_TOOLS = ("bwrap", "Xvnc", "icewm-session", "xterm")
HOSTILE = "host=attacker.example&port=443&encrypt=1&path=websockify&autoconnect=1&password=x"


def can_run_desktops():
    return os.geteuid() == 0 and all(shutil.which(t) for t in DESKTOP_TOOLS) and os.path.isdir("/usr/share/novnc/core")


class HttpsServer(Server):
    """A Cubicle server listening on https only, with a self-signed certificate for 127.0.0.1."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cert, key = os.path.join(self.data, "cert.pem"), os.path.join(self.data, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", self.cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        self.args += ["--https-cert", self.cert, "--https-key", key]
        self.context = ssl.create_default_context(cafile=self.cert)

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(["dotnet", self.dll(), "--urls", self.url, "--data", self.data,
                                      "--transition-seconds", str(self.transition_seconds), *self.args],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if request(self, "GET", "/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not become healthy: " + self.log())

    @staticmethod
    def dll():
        from harness import DLL
        return DLL


def request(server, method, path, body=None, headers=None):
    """(status, headers as a list of pairs, body) of one request, redirects not followed."""
    u = urllib.parse.urlsplit(server.url)
    if u.scheme == "https":
        c = http.client.HTTPSConnection(u.hostname, u.port, timeout=30, context=server.context)
    else:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        c.close()


def header(headers, name):
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def cookies(headers):
    return [v for k, v in headers if k.lower() == "set-cookie"]


class SurfaceChecks(unittest.TestCase):
    def assert_strict_page(self, headers, body, hsts):
        csp = header(headers, "Content-Security-Policy") or ""
        directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
        self.assertEqual(directives.get("connect-src"), "'self'", csp)
        self.assertEqual(directives.get("frame-ancestors"), "'none'", csp)
        self.assertEqual(directives.get("script-src"), "'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(header(headers, "X-Frame-Options"), "DENY")
        self.assertEqual(header(headers, "X-Content-Type-Options"), "nosniff")
        if hsts:
            self.assertRegex(header(headers, "Strict-Transport-Security") or "", r"max-age=\d{7,}")
        else:
            self.assertIsNone(header(headers, "Strict-Transport-Security"))
        if body is not None:
            html = body.decode()
            # No inline script (every <script> has a src) and no inline style: the CSP allows none.
            self.assertEqual(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html), [], html)
            self.assertNotIn("<style", html)
            self.assertNotRegex(html, r"\sstyle=")


@unittest.skipUnless(can_run_desktops(), "needs root and the desktop packages (tests/run-all.sh installs them)")
class DesktopSurfacesTest(SurfaceChecks):
    """A server with real desktops, on https: its desktop pages and what it serves of noVNC."""

    @classmethod
    def setUpClass(cls):
        key = {"CUBICLE_ROOT_ACCESS_KEY_ID": "AKIA" + os.urandom(8).hex().upper(),
               "CUBICLE_ROOT_SECRET_ACCESS_KEY": base64.b64encode(os.urandom(30)).decode()}
        cls.server = HttpsServer("--desktops", "local", env=key).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_stock_novnc_pages_are_not_served_whatever_their_query(self):
        for page in ("vnc.html", "vnc_lite.html", "vnc_auto.html", "app/ui.js", "app/error-handler.js", "",
                     "include/", "utils/", "vendor/pako/README.md", "core/../vnc.html", "core/%2e%2e/vnc.html"):
            with self.subTest(page=page):
                status, headers, body = request(self.server, "GET", f"/novnc/{page}?{HOSTILE}")
                self.assertNotEqual(status, 200, page)
                self.assertNotIn(b"noVNC", body)
                self.assertNotIn(b"<html", body.lower())
        # What the page Cubicle builds loads of noVNC: its modules, as scripts, under the same headers.
        status, headers, body = request(self.server, "GET", "/novnc/core/rfb.js")
        self.assertEqual(status, 200)
        self.assertTrue(header(headers, "Content-Type").startswith("text/javascript"))
        self.assert_strict_page(headers, None, hsts=True)
        self.assertEqual(request(self.server, "GET", "/novnc/vendor/pako/lib/zlib/inflate.js")[0], 200)

    def test_the_desktop_page_connects_to_this_server_only(self):
        # Without a session every desktop page sends to sign-in, whatever its query names.
        for path in ("/desktop/view", "/desktop/open"):
            status, headers, _ = request(self.server, "GET", f"{path}?{HOSTILE}")
            self.assertEqual(status, 302, path)
            self.assertEqual(header(headers, "Location"), "/desktop")
            self.assert_strict_page(headers, None, hsts=True)
        # Its script takes nothing from the address it was opened with: the bridge is this origin's /desktop/ws.
        status, headers, script = request(self.server, "GET", "/desktop/static/view.js")
        self.assertEqual(status, 200)
        self.assertIn(b'location.host + "/desktop/ws"', script)
        for reads in (b"location.search", b"location.hash", b"URLSearchParams", b"location.href", b"document.URL"):
            self.assertNotIn(reads, script)
        self.assertEqual(request(self.server, "GET", "/desktop/static/..%2fDesktopWeb.cs")[0], 404)
        self.assertEqual(request(self.server, "GET", "/desktop/static/missing.js")[0], 404)

    def test_sign_in_page_headers_and_cookies(self):
        status, headers, body = request(self.server, "GET", "/desktop")
        self.assertEqual(status, 200)
        self.assert_strict_page(headers, body, hsts=True)
        # Over https the anti-forgery cookie carries the __Host- prefix: Secure, Path=/, no Domain.
        [antiforgery] = [c for c in cookies(headers) if "antiforgery" in c]
        self.assertTrue(antiforgery.startswith("__Host-cubicle_antiforgery="), antiforgery)
        attributes = [a.strip().lower() for a in antiforgery.split(";")[1:]]
        self.assertIn("secure", attributes)
        self.assertIn("path=/", attributes)
        self.assertFalse(any(a.startswith("domain") for a in attributes))
        # A failed sign-in answers its page under the same headers.
        token = re.search(rb'name="__RequestVerificationToken" value="([^"]*)"', body).group(1).decode()
        form = urllib.parse.urlencode({"registration_code": "nope", "user_name": "x", "password": "y",
                                       "__RequestVerificationToken": token})
        status, headers, body = request(self.server, "POST", "/desktop/login", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": antiforgery.split(";")[0]})
        self.assertEqual(status, 401)
        self.assert_strict_page(headers, body, hsts=True)


class ConsoleSurfacesTest(SurfaceChecks):
    """The console's pages and session cookie, over http and over https."""

    def sign_in(self, server):
        status, headers, body = request(server, "GET", "/console/api/session")
        csrf = json.loads(body)
        name, token = csrf.get("csrfHeader") or csrf.get("CsrfHeader"), csrf.get("csrfToken") or csrf.get("CsrfToken")
        jar = "; ".join(c.split(";")[0] for c in cookies(headers))
        return request(server, "POST", "/console/api/sign-in",
                       json.dumps({"accessKeyId": "test", "secretAccessKey": "test"}),
                       {"Content-Type": "application/json", name: token, "Cookie": jar})

    def test_over_https_hsts_and_host_prefixed_cookies(self):
        server = HttpsServer().start()
        try:
            status, headers, body = request(server, "GET", "/console/")
            self.assertEqual(status, 200)
            self.assert_strict_page(headers, body, hsts=True)
            status, headers, body = self.sign_in(server)
            self.assertEqual(status, 200, body)
            [session] = [c for c in cookies(headers) if "cubicle_console=" in c]
            self.assertTrue(session.startswith("__Host-cubicle_console="), session)
            attributes = [a.strip().lower() for a in session.split(";")[1:]]
            for expected in ("secure", "path=/", "httponly", "samesite=strict"):
                self.assertIn(expected, attributes)
            self.assertFalse(any(a.startswith("domain") for a in attributes))
            # The prefixed cookie is the session: the console knows who is signed in.
            status, _, body = request(server, "GET", "/console/api/session", headers={"Cookie": session.split(";")[0]})
            self.assertTrue(json.loads(body)["signedIn"], body)
        finally:
            server.stop()

    def test_over_http_the_same_headers_without_hsts(self):
        server = Server().start()
        try:
            status, headers, body = request(server, "GET", "/console/")
            self.assertEqual(status, 200)
            self.assert_strict_page(headers, body, hsts=False)
            status, headers, _ = self.sign_in(server)
            self.assertEqual(status, 200)
            # Plain http cannot carry a __Host- cookie (it must be Secure): the name and path stay as they were.
            [session] = [c for c in cookies(headers) if "cubicle_console=" in c]
            self.assertTrue(session.startswith("cubicle_console="), session)
            self.assertIn("path=/console", session.lower())
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
