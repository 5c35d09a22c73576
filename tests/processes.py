"""Servers a fault test owns: started on a free port with their own data, killed (the whole
process group) when the test ends, pass or fail.

``Processes`` is the owner: ``search_service(data_dir)``, ``redis()``, ``postgres()``
start one each; ``close()`` kills everything still running. Use it through the
``processes`` fixture (tests/faults/conftest.py, tests/searchservice/test_crash_recovery.py).
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_XML = os.path.join(REPO_ROOT, "config", "solr", "schema.xml")
BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str, proc=None):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:
            pass
        if proc is not None and proc.poll() is not None:
            raise AssertionError("%s: the process exited (%s): %s"
                                 % (what, proc.returncode, _tail(proc)))
        if time.monotonic() > deadline:
            raise AssertionError("%s: not within %g s" % (what, timeout))
        time.sleep(0.05)


def _tail(proc) -> str:
    log = getattr(proc, "log_path", None)
    if log and os.path.exists(log):
        with open(log, "rb") as f:
            return f.read()[-3000:].decode("utf-8", "replace")
    return ""


def kill_group(proc, sig=signal.SIGKILL):
    """Signal the process and every child it started (its own session)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


class SearchIndex:
    """Reads a core of a running search service over HTTP."""

    def __init__(self, url: str):
        self._url = url.rstrip("/")

    @property
    def url(self) -> str:
        return self._url

    def get(self, path, timeout=30, **params) -> dict:
        # urllib, not requests: a test's `responses` mock must not catch these
        url = "%s/%s?%s" % (self.url, path, urllib.parse.urlencode(params))
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return json.load(answer)

    def select(self, **params) -> dict:
        params.setdefault("wt", "json")
        return self.get("select", **params)

    def ids(self, field="id", fq=None) -> dict:
        """{id: metadata_modified} of every document (or those matching ``fq``)."""
        params = {"q": "*:*", "fl": "%s,metadata_modified" % field, "rows": 100000}
        if fq:
            params["fq"] = fq
        docs = self.select(**params)["response"]["docs"]
        return {d[field]: d.get("metadata_modified") for d in docs}


class SearchService(SearchIndex):
    """A ``migration-search`` process on a free port; ``kill()`` is ``kill -9``."""

    def __init__(self, owner, data_dir: str, core: str = "ckan", autocommit_ms: int = 0):
        self.owner, self.data_dir, self.core = owner, str(data_dir), core
        self.autocommit_ms = autocommit_ms
        self.port = free_port()
        self.proc = None
        self.start()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d/solr/%s" % (self.port, self.core)

    def start(self):
        """Start (again, on the same port and data directory) and wait until it answers."""
        self.proc = self.owner.spawn(
            "search-%d" % self.port,
            [os.path.join(BIN, "migration-search"), "--host", "127.0.0.1",
             "--port", str(self.port), "--data-dir", self.data_dir, "--schema", SCHEMA_XML,
             "--autocommit-ms", str(self.autocommit_ms), "--log-level", "WARNING"])
        wait_for(lambda: self.get("admin/ping", timeout=2)["status"] == "OK", 30,
                 "search service on port %d" % self.port, self.proc)
        return self

    def kill(self):
        kill_group(self.proc)


class Redis:
    """A ``redis-server`` with nothing on disk: a restart loses every queued message."""

    def __init__(self, owner):
        self.owner = owner
        self.port = free_port()
        self.proc = None
        self.start()

    @property
    def url(self) -> str:
        return "redis://127.0.0.1:%d/0" % self.port

    def start(self):
        import redis
        self.proc = self.owner.spawn(
            "redis-%d" % self.port,
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port",
             str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.owner.tmp])
        client = redis.Redis.from_url(self.url)
        wait_for(client.ping, 20, "redis on port %d" % self.port, self.proc)
        return self

    def kill(self):
        kill_group(self.proc)


def pg_bindir() -> str:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                  key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    for d in reversed(dirs):
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    raise AssertionError("PostgreSQL's initdb was not found (/usr/lib/postgresql/*/bin); "
                         "install Debian's postgresql package")


class Postgres:
    """A throwaway PostgreSQL cluster (initdb into a temporary directory, free port, trust
    authentication), never the machine's. Run as the ``postgres`` system user when the test
    runs as root, as scripts/setup.sh does: initdb and postgres refuse root."""

    def __init__(self, owner):
        self.owner = owner
        self.bindir = pg_bindir()
        self.port = free_port()
        # a directory of its own: pytest's tmp_path (mode 700, root's) is closed to the
        # postgres user
        self.root = tempfile.mkdtemp(prefix="faults-pg-%d-" % self.port)
        owner.on_close(lambda: shutil.rmtree(self.root, ignore_errors=True))
        self.data = os.path.join(self.root, "data")
        self.sockets = os.path.join(self.root, "sockets")
        self.log = os.path.join(self.root, "postgres.log")
        for d in (self.data, self.sockets):
            os.makedirs(d)
        open(self.log, "w").close()
        if os.getuid() == 0:
            for path in (self.root, self.data, self.sockets, self.log):
                shutil.chown(path, "postgres", "postgres")
            os.chmod(self.data, 0o700)
        self._as_owner([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C"])
        owner.on_close(self.stop)
        self.pg_ctl("start")

    def _as_owner(self, cmd, timeout=120):
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                start_new_session=True)
        if result.returncode != 0:
            raise AssertionError("%s failed: %s%s\n%s" % (
                " ".join(cmd), result.stdout[-2000:], result.stderr[-2000:],
                open(self.log).read()[-2000:]))
        return result.stdout

    def pg_ctl(self, action, *args):
        cmd = [os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log, "-w",
               "-t", "60", *args, action]
        if action in ("start", "restart"):
            cmd[-1:-1] = ["-o", "-p %d -h 127.0.0.1 -k %s -c max_connections=60"
                          % (self.port, self.sockets)]
        return self._as_owner(cmd)

    def restart(self):
        """``pg_ctl restart -m fast``: every open connection is cut."""
        self.pg_ctl("restart", "-m", "fast")

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self.pg_ctl("stop", "-m", "immediate")
            except AssertionError:
                pass

    def psql(self, sql, db="postgres"):
        return self._as_owner([os.path.join(self.bindir, "psql"), "-h", "127.0.0.1",
                               "-p", str(self.port), "-U", "postgres", "-d", db,
                               "-v", "ON_ERROR_STOP=1", "-qAtc", sql])

    def url(self, db, user="ckan_default", password="pass") -> str:
        return "postgresql://%s:%s@127.0.0.1:%d/%s" % (user, password, self.port, db)


class Processes:
    """Owns every process a test starts; ``close()`` kills what is left."""

    def __init__(self, tmp: str):
        self.tmp = str(tmp)
        self._procs = []
        self._finalizers = []

    def spawn(self, name, cmd, env=None, cwd=REPO_ROOT):
        log_path = os.path.join(self.tmp, "%s-%d.log" % (name, len(self._procs)))
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    cwd=cwd, start_new_session=True)
        proc.log_path = log_path
        self._procs.append(proc)
        return proc

    def on_close(self, fn):
        self._finalizers.append(fn)

    def search_service(self, data_dir, **kw) -> SearchService:
        return SearchService(self, data_dir, **kw)

    def redis(self) -> Redis:
        return Redis(self)

    def postgres(self) -> Postgres:
        return Postgres(self)

    def close(self):
        for proc in reversed(self._procs):
            kill_group(proc)
        for fn in reversed(self._finalizers):
            fn()
