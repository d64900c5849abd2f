"""A real gunicorn serving the app on loopback, and a small keep-alive HTTP client for it.

Used by the multi-process, load and crash tests and by the benchmark.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = "sd-test/1"  # one user agent: Flask-Login's session protection ties a session to it


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with the project's config on a free port; its own process group, so the
    crash test can SIGKILL master and workers at once."""

    def __init__(self, database_url, secret, workers=2, threads=4, access_log=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret,
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            os.path.join(ROOT, "gunicorn.conf.py"),
            "--no-control-socket",
            "--graceful-timeout",
            "1",
            "-b",
            f"127.0.0.1:{self.port}",
        ]
        if access_log:
            command += [
                "--access-logfile",
                access_log,
                "--access-logformat",
                "%(m)s %(U)s?%(q)s %(s)s %(D)s %(B)s",
            ]
        else:
            command += ["--access-logfile", "/dev/null"]
        self.proc = subprocess.Popen(
            command + ["app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def kill(self):
        """SIGKILL master and workers: no graceful anything."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def worker_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]


class Client:
    """One browser's worth of HTTP: a keep-alive connection, the session cookie, the CSRF token."""

    def __init__(self, base, timeout=30):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies = {}
        self.token = None
        self.conn = None

    def request(self, method, path, data=None, headers=None):
        """Returns (status, headers, text). Redirects are not followed."""
        body = urllib.parse.urlencode(data) if data is not None else None
        sent = {"User-Agent": AGENT, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # a kept-alive connection the server closed while idle: one fresh try, but
                # never for a POST, which might have been carried out already
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        found = re.search(r'name="csrf-token" content="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        return response.status, dict(response.getheaders()), text

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        return self.request("POST", path, {**data, "csrf_token": self.token}, headers)

    def login(self, username, password):
        self.get("/login")
        status, _, _ = self.post("/login", {"username": username, "password": password})
        if status != 303:
            raise RuntimeError(f"login as {username} failed: {status}")
        self.get("/")
        return self

    def close(self):
        if self.conn is not None:
            self.conn.close()
