#!/usr/bin/env python3
"""Single developer entry point of the ``account_dunning`` addon.

    python3 tools/dunning.py setup    make this machine able to run the addon
    python3 tools/dunning.py test     lint, then run the addon's tests
    python3 tools/dunning.py demo     load a demo database and serve it
    python3 tools/dunning.py lint     ruff, OCA's Odoo checks, XML/PO checks only
    python3 tools/dunning.py wheel-check  build the wheel, have Odoo list it
    python3 tools/dunning.py count F  re-count (and checklog) an Odoo test log

Why a script rather than a Makefile: the same steps have to work for a newcomer,
for CI (``.ci/run``) and on a machine where PostgreSQL is stopped, so every step
checks before it acts and says in one sentence what is wrong when it cannot fix
it.  It only uses the standard library: anything that needs Odoo's own
dependencies (psycopg2, lxml) runs in a subprocess of the interpreter that has
Odoo (``DUNNING_PYTHON``, default: the one running this script).

Odoo is not part of the repository.  The clone's folder may have any name, so
Odoo cannot load the addon from the clone's parent folder: ``setup`` creates
``.build/addons/account_dunning -> ../..`` and that folder goes in
``--addons-path`` next to Odoo's own addons folders.
"""

from __future__ import annotations

import argparse
import ast
import email.parser
import getpass
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / ".build"
LINK_DIR = BUILD / "addons"
BIN_DIR = BUILD / "bin"
MODULE = "account_dunning"
# payment_demo: Odoo's demo payment provider, which the tests of the customer
# page pay with (and the demo database offers to its customers)
INSTALL = f"l10n_fr_account,payment_demo,{MODULE}"
DEMO_DB = "dunning_demo"
ODOO_SERIES = (18, 0)
PYTHON = os.environ.get("DUNNING_PYTHON") or sys.executable

# Names Odoo 18 looks for on PATH (odoo/tests/common.py, _find_executable).
CHROME_NAMES = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
# Where a browser may live without being on PATH (Debian's real binary, snap).
CHROME_FALLBACKS = ("/usr/lib/chromium/chromium", "/snap/bin/chromium")
# Executable -> Debian package that provides it.
SYSTEM_TOOLS = {
    "wkhtmltopdf": "wkhtmltopdf",  # PDF reports (dunning letters)
    "chromium": "chromium",  # HttpCase browser tests and tours
    "msgfmt": "gettext",  # lint of i18n/*.po
    "pdftotext": "poppler-utils",  # tests reading generated PDFs
}

INSTALL_ODOO_HINT = (
    "install Odoo 18.0 for this interpreter: pip install "
    "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz, or the "
    "Debian package from nightly.odoo.com, or put its source folder on "
    "PYTHONPATH (or in a .pth file), or point DUNNING_PYTHON at a Python that has it"
)


class UserError(Exception):
    """An expected problem: reported as one sentence, without a traceback."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: stop, but still clean up and print the summary."""


# --------------------------------------------------------------------------
# output helpers


def step(message):
    print(f"==> {message}", flush=True)


def info(message):
    print(f"    {message}", flush=True)


def warn(message):
    print(f"WARNING: {message}", flush=True)


def run(cmd, check=True, **kwargs):
    """Run a command, echoing it; a failure becomes a one-sentence UserError."""
    info("$ " + " ".join(str(c) for c in cmd))
    try:
        proc = subprocess.run([str(c) for c in cmd], **kwargs)
    except FileNotFoundError as exc:
        raise UserError(f"cannot run {cmd[0]}: {exc.strerror}") from None
    if check and proc.returncode:
        raise UserError(f"`{' '.join(map(str, cmd))}` failed (exit {proc.returncode})")
    return proc


def py(code, *args, env=None):
    """Run a snippet with Odoo's interpreter; return (exit code, stdout, stderr)."""
    try:
        proc = subprocess.run(
            [PYTHON, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
        )
    except FileNotFoundError:
        raise UserError(f"the Python interpreter {PYTHON} does not exist") from None
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def is_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


# --------------------------------------------------------------------------
# setup


class Env:
    """What setup found: enough to build Odoo command lines."""

    def __init__(self, odoo_dir, version):
        self.odoo_dir = odoo_dir
        self.version = version
        self.addons_path = ""
        self.child_env = dict(os.environ)

    def odoo_cmd(self, db):
        return [PYTHON, "-m", "odoo", "-d", db, f"--addons-path={self.addons_path}"]


def find_odoo():
    """Step 1: an importable Odoo 18.0, asked to the interpreter that runs it."""
    step(f"Looking for Odoo {'.'.join(map(str, ODOO_SERIES))} importable by {PYTHON}")
    code = (
        "import json, os, odoo.release as r, odoo; "
        "print(json.dumps([list(r.version_info[:2]), r.version, "
        "os.path.dirname(os.path.abspath(odoo.__file__))]))"
    )
    rc, out, _err = py(code)
    if rc or not out:
        raise UserError(f"Odoo is not importable by {PYTHON}: {INSTALL_ODOO_HINT}.")
    series, version, odoo_dir = json.loads(out.splitlines()[-1])
    if tuple(series) != ODOO_SERIES:
        raise UserError(
            f"{PYTHON} imports Odoo {version} from {odoo_dir} but this addon needs "
            f"18.0: {INSTALL_ODOO_HINT}."
        )
    info(f"Odoo {version} at {odoo_dir}")
    return Env(Path(odoo_dir), version)


# psycopg2 comes with Odoo, so it is there once find_odoo() succeeded; libpq
# reads PGHOST/PGPORT/PGUSER/PGPASSWORD exactly as Odoo will.
PG_SNIPPET = r"""
import json, sys
import psycopg2
try:
    conn = psycopg2.connect(dbname="postgres", connect_timeout=10)
except psycopg2.Error as exc:
    lines = [l.strip() for l in str(exc).splitlines() if l.strip()]
    print(json.dumps({"error": " ".join(lines[:2]) or type(exc).__name__}))
    sys.exit(0)
conn.autocommit = True
rows = None
with conn.cursor() as cr:
    for sql, params in json.loads(sys.argv[1]):
        cr.execute(sql, params)
        rows = cr.fetchall() if cr.description else None
print(json.dumps({"rows": rows}))
"""


def pg(statements=()):
    """Run SQL statements on the ``postgres`` database: returns (error, rows)."""
    rc, out, err = py(PG_SNIPPET, json.dumps(list(statements)))
    if rc or not out:
        last = (err or out or "no output").splitlines()[-1]
        raise UserError(f"PostgreSQL query failed: {last}")
    result = json.loads(out.splitlines()[-1])
    return result.get("error"), result.get("rows")


def pg_is_local():
    host = os.environ.get("PGHOST", "")
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")


def start_debian_clusters():
    """Start the stopped Debian clusters (the one on PGPORT, if set)."""
    if not shutil.which("pg_lsclusters"):
        return False
    out = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True
    ).stdout
    started = False
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[3].startswith("online"):
            continue
        version, name, port = fields[:3]
        if os.environ.get("PGPORT", port) != port:
            continue
        step(f"Starting PostgreSQL cluster {version}/{name} (port {port})")
        proc = run(["pg_ctlcluster", version, name, "start"], check=False)
        if proc.returncode:
            raise UserError(
                f"could not start PostgreSQL cluster {version}/{name}: run "
                f"`sudo pg_ctlcluster {version} {name} start` and try again"
            )
        started = True
    return started


def create_role(user):
    """Create a superuser role for ``user`` as the postgres OS user."""
    if os.geteuid() != 0:
        raise UserError(
            f"PostgreSQL has no role {user!r}: run `sudo -u postgres createuser -s "
            f"{user}` (or set PGUSER/PGPASSWORD to an existing role) and try again"
        )
    step(f"Creating PostgreSQL superuser role {user!r}")
    # Connect as the postgres OS user through the local socket, not as PGUSER.
    env = {k: v for k, v in os.environ.items() if k not in ("PGUSER", "PGPASSWORD")}
    if shutil.which("runuser"):
        cmd = ["runuser", "-u", "postgres", "--", "createuser", "-s", user]
    else:
        cmd = ["su", "postgres", "-c", f"createuser -s {user}"]
    if run(cmd, check=False, env=env).returncode:
        raise UserError(f"could not create the PostgreSQL role {user!r}")


def ensure_postgres():
    """Step 2: PostgreSQL reachable with the PG* variables, repairing locally."""
    user = os.environ.get("PGUSER") or getpass.getuser()
    where = os.environ.get("PGHOST", "local socket")
    if os.environ.get("PGPORT"):
        where += f":{os.environ['PGPORT']}"
    step(f"Checking PostgreSQL ({where}, role {user})")
    error, _rows = pg()
    if error and pg_is_local():
        if start_debian_clusters():
            for _attempt in range(20):  # the socket appears a moment later
                error, _rows = pg()
                if not error or "does not exist" in error:
                    break
                time.sleep(0.5)
        if error and f'role "{user}" does not exist' in error:
            if user == "postgres":
                raise UserError("Odoo refuses to run as the postgres role")
            create_role(user)
            error, _rows = pg()
    if error:
        raise UserError(
            f"PostgreSQL is unreachable ({error}); start a server or set "
            "PGHOST/PGPORT/PGUSER/PGPASSWORD to one where you may create databases"
        )
    if user == "postgres":
        raise UserError("Odoo refuses to run as the postgres role: set PGUSER")
    info("PostgreSQL is reachable")


# Prints the requirements (from the files given) that are missing or too old.
REQ_SNIPPET = r"""
import json, re, sys
from importlib import metadata

def key(version):
    return tuple(int(n) for n in re.findall(r"\d+", version)[:4])

missing = []
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(?:(>=|==)\s*([\w.]+))?", line)
        if not m:
            missing.append(line)
            continue
        name, op, wanted = m.groups()
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if op == ">=" and key(have) < key(wanted) or op == "==" and have != wanted:
            missing.append(f"{line} (have {have})")
print(json.dumps(missing))
"""


def ensure_python_deps():
    """Step 3: pip only when something is missing, so it works offline later."""
    for name in ("requirements.txt", "requirements-dev.txt"):
        path = REPO / name
        step(f"Checking Python packages of {name}")
        if not path.exists():
            warn(f"{name} is missing, skipped")
            continue
        rc, out, err = py(REQ_SNIPPET, str(path))
        missing = json.loads(out) if rc == 0 and out else [f"(check failed: {err})"]
        if not missing:
            info("all installed")
            continue
        info("missing: " + ", ".join(missing))
        proc = run([PYTHON, "-m", "pip", "install", "-r", path], check=False)
        if proc.returncode:
            raise UserError(
                f"pip could not install {name} for {PYTHON} (see above); install "
                "those packages yourself, e.g. in a virtualenv that also sees Odoo"
            )


def find_chrome():
    """The browser Odoo will find, or a fallback location it would miss."""
    override = os.environ.get("DUNNING_CHROME")
    if override:
        if not os.access(override, os.X_OK):
            raise UserError(f"DUNNING_CHROME={override} is not an executable")
        return override, False
    for name in CHROME_NAMES:
        found = shutil.which(name)
        if found:
            return found, True
    for path in CHROME_FALLBACKS:
        if os.access(path, os.X_OK):
            return path, False
    return None, False


def ensure_system_tools():
    """Step 4: wkhtmltopdf, chromium, gettext and poppler from Debian."""
    step("Checking system tools: " + ", ".join(SYSTEM_TOOLS))
    missing = []
    for tool, package in SYSTEM_TOOLS.items():
        found = find_chrome()[0] if tool == "chromium" else shutil.which(tool)
        if not found:
            missing.append(package)
    if not missing:
        info("all installed")
        return
    packages = " ".join(missing)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        warn(
            f"missing {packages}: install them (Debian/Ubuntu: sudo apt-get install "
            f"{packages}); without chromium browser tests are skipped, without "
            "wkhtmltopdf PDF reports fall back to HTML"
        )
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    ok = run(["apt-get", "update"], check=False, env=env).returncode == 0
    if ok:
        install = run(["apt-get", "install", "-y", *missing], check=False, env=env)
        ok = install.returncode == 0
    if not ok:
        warn(f"apt-get could not install {packages}; some tests may be skipped")


def link_addon(env):
    """Step 5: ``.build/addons/account_dunning`` -> repo, plus --addons-path."""
    step(f"Linking {LINK_DIR / MODULE} -> repository root")
    LINK_DIR.mkdir(parents=True, exist_ok=True)
    link = LINK_DIR / MODULE
    target = os.path.relpath(REPO, LINK_DIR)
    if link.is_symlink() and link.resolve() == REPO:
        info("already linked")
    else:
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            raise UserError(f"{link} exists and is not a symlink; remove it")
        link.symlink_to(target, target_is_directory=True)
        info(f"created {link} -> {target}")

    paths = [env.odoo_dir / "addons"]
    if (env.odoo_dir.parent / "addons").is_dir():
        paths.append(env.odoo_dir.parent / "addons")
    for extra in os.environ.get("ODOO_ADDONS_PATH", "").split(","):
        if extra.strip():
            extra_path = Path(extra.strip()).expanduser().resolve()
            if not extra_path.is_dir():
                raise UserError(f"ODOO_ADDONS_PATH names a missing folder: {extra}")
            paths.append(extra_path)
    paths.append(LINK_DIR)
    env.addons_path = ",".join(str(p) for p in paths)
    info(f"addons path: {env.addons_path}")

    # Odoo finds the browser on PATH only (and only under CHROME_NAMES): a
    # browser elsewhere gets a shim named google-chrome, the first name tried.
    chrome, on_path = find_chrome()
    if chrome and not on_path:
        BIN_DIR.mkdir(parents=True, exist_ok=True)
        shim = BIN_DIR / "google-chrome"
        if shim.is_symlink() or shim.exists():
            shim.unlink()
        shim.symlink_to(chrome)
        env.child_env["PATH"] = f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"
        info(f"browser for tests: {chrome} (via {shim})")
    elif chrome:
        info(f"browser for tests: {chrome}")


def setup():
    env = find_odoo()
    ensure_postgres()
    ensure_python_deps()
    ensure_system_tools()
    link_addon(env)
    return env


# --------------------------------------------------------------------------
# databases


DROP_SNIPPET = r"""
import shutil, sys
import odoo
odoo.tools.config.parse_config([])
print(odoo.tools.config.filestore(sys.argv[1]))
"""


def check_db_name(name):
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", name):
        raise UserError(f"invalid database name {name!r}")


def db_exists(name):
    error, rows = pg([["SELECT 1 FROM pg_database WHERE datname = %s", [name]]])
    if error:
        raise UserError(f"PostgreSQL is unreachable ({error})")
    return bool(rows)


def drop_db(name):
    """Drop a database and its filestore (where Odoo's config puts it)."""
    check_db_name(name)
    if db_exists(name):
        step(f"Dropping database {name}")
        error, _rows = pg(
            [
                [
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                ],
                [f'DROP DATABASE IF EXISTS "{name}"', []],
            ]
        )
        if error:
            raise UserError(f"could not drop database {name}: {error}")
    rc, out, _err = py(DROP_SNIPPET, name)
    filestore = out.splitlines()[-1] if rc == 0 and out else ""
    if filestore and os.path.isdir(filestore):
        info(f"removing filestore {filestore}")
        shutil.rmtree(filestore, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --------------------------------------------------------------------------
# Odoo log parsing
#
# Two questions, two tools:
#
# * did the tests pass?  Odoo answers at the very end of the run
#   (odoo/service/server.py, ThreadedServer.run):
#     odoo.tests.result: F failed, E error(s) of N tests when loading database 'db'
#   (INFO when fine, WARNING when N == 0, ERROR on failures).  Failed = F + E.
#   Odoo does not report skips in that line, nor which tests failed, so the
#   per-test lines of odoo/tests/result.py (OdooTestResult) give the rest:
#     INFO  <test module logger>: skipped Class.method : reason    addSkip
#     ERROR <test module logger>: FAIL: Class.method               addFailure
#     ERROR <test module logger>: ERROR: Class.method              addError
#     ERROR ...: FAIL: Subtest Class.method (i=1)                  per subtest
#     ERROR odoo.tests.suite: ERROR: setUpClass (odoo.addons...Cls)  class level,
#     INFO  odoo.tests.suite: skipped setUpClass (...) : reason      not in N
#   passed = N - the distinct tests (Class.method) that failed or were skipped.
#   (odoo.tests.stats' "account_dunning: 190 tests" counts timing entries,
#   class set-ups included, not tests.)
# * did anything else go wrong (an install error, an unexpected warning)?
#   checklog-odoo reads the log after the run (check_log), with the expected
#   records listed in checklog-odoo.cfg.

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<msg>.*)$"
)
STARTING = re.compile(r"^Starting (?P<test>\S+) \.\.\.$")
SKIPPED = re.compile(r"^skipped (?P<test>.+?) : ")
FAILURE = re.compile(r"^(?:FAIL|ERROR): (?:Subtest )?(?P<test>\S+)")
TEST_NAME = re.compile(r"^\w+(?:\.\w+)+$")  # Class.method, not "setUpClass (...)"
SUMMARY = re.compile(
    r"^(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database"
)
PROGRESS = re.compile(
    r"^(Loading module \S+ \(|Module \S+ loaded in .* test\)|\d+ modules loaded)"
)


class LogCounter:
    """Test results from Odoo log lines, fed one at a time."""

    def __init__(self):
        self.started = 0  # "Starting" lines: N when Odoo stopped before its report
        self.failed_tests = set()  # distinct tests with a FAIL/ERROR line
        self.skipped_tests = set()  # distinct skipped tests (or classes)
        self.failure_lines = 0
        self.summary = None  # (failures, errors, tests run) from odoo.tests.result
        self.last_record = None

    def feed(self, line):
        """Parse one line; return its level (None for continuation lines)."""
        match = LOG_LINE.match(line.rstrip("\n"))
        if not match:
            return None
        level, logger = match["level"], match["logger"]
        msg = match["msg"].rstrip()
        self.last_record = (level, logger, msg)
        if level == "INFO":
            if STARTING.match(msg):
                self.started += 1
            elif m := SKIPPED.match(msg):
                self.skipped_tests.add(m["test"])
        elif level == "ERROR" and (m := FAILURE.match(msg)):
            self.failure_lines += 1
            self.failed_tests.add(m["test"])
        if logger == "odoo.tests.result" and (m := SUMMARY.match(msg)):
            self.summary = (int(m["failed"]), int(m["errors"]), int(m["run"]))
        return level

    @property
    def failed(self):
        if self.summary:
            return self.summary[0] + self.summary[1]
        return self.failure_lines

    @property
    def skipped(self):
        return len(self.skipped_tests)

    @property
    def passed(self):
        run = self.summary[2] if self.summary else self.started
        not_passed = {
            test
            for test in self.failed_tests | self.skipped_tests
            if TEST_NAME.match(test)
        }
        return max(0, run - len(not_passed))

    def line(self):
        text = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            text += f", {self.skipped} skipped"
        return text


CHECKLOG_CAUSED = re.compile(r"^errors that caused failure \((\d+)\):$", re.M)
CHECKLOG_IGNORED = re.compile(r"^errors that did not cause failure \((\d+)\):$", re.M)


def check_log(log_path, errors_only=False):
    """checklog-odoo on an Odoo log: None when clean, else why not (a sentence).

    Its configuration, checklog-odoo.cfg, lists the records that do not fail
    the run (test results, counted separately, and expected warnings).  With
    ``errors_only`` every warning is ignored instead (the demo's install).
    """
    cmd = [PYTHON, "-m", "checklog_odoo", "--no-echo"]
    if errors_only:
        cmd += ["--ignore", r"^\S+ \S+ \d+ WARNING "]
    else:
        cmd += ["--config", str(REPO / "checklog-odoo.cfg")]
    log_path = os.path.abspath(log_path)
    proc = subprocess.run([*cmd, log_path], capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        ignored = CHECKLOG_IGNORED.search(out)
        info(
            "checklog-odoo: no unexpected warning or error in the log"
            + (f" ({ignored[1]} expected record(s) ignored)" if ignored else "")
        )
        return None
    caused = CHECKLOG_CAUSED.search(out)
    if not caused:  # not a verdict on the log: the tool itself failed
        last = (out.strip() or f"exit {proc.returncode}").splitlines()[-1]
        if "No module named" in out:
            last += " (run `python3 tools/dunning.py setup`)"
        return f"checklog-odoo could not check {log_path}: {last}"
    step(f"checklog-odoo: unexpected records in {log_path}")
    sys.stdout.write(out[caused.start() :])
    if errors_only:
        return f"{caused[1]} error record(s) in the log (listed above)"
    return (
        f"{caused[1]} unexpected warning/error record(s) in the log besides test "
        "results (listed above by checklog-odoo; expected ones go in "
        "checklog-odoo.cfg)"
    )


def is_echoed(level, logger, msg):
    """Which log lines also go to the terminal (all go to the log file)."""
    if level in ("WARNING", "ERROR", "CRITICAL"):
        return True
    if logger in ("odoo.tests.result", "odoo.tests.stats"):
        return True
    if logger == "odoo.service.server" and msg.startswith("Starting post tests"):
        return True  # then assets are built for browser tests: a silent minute
    if logger == "odoo.modules.loading":  # progress, not per-file lines
        return bool(PROGRESS.match(msg))
    return bool(STARTING.match(msg) or SKIPPED.match(msg))


def run_odoo(env, cmd, log_path, counter, verbose=False, timeout_min=0):
    """Run Odoo, log everything to a file, echo the useful part, count results.

    Returns Odoo's exit code, or None when it was stopped by the timeout.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    info("$ " + " ".join(cmd))
    info(f"full log: {log_path}")
    timed_out = threading.Event()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env=env.child_env,
            cwd=REPO,
        )

        def on_timeout():
            timed_out.set()
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()

        timer = threading.Timer(timeout_min * 60, on_timeout) if timeout_min else None
        if timer:
            timer.daemon = True
            timer.start()
        echo = False
        try:
            for line in proc.stdout:
                log.write(line)
                level = counter.feed(line)
                if level is not None:
                    echo = verbose or is_echoed(level, *counter.last_record[1:])
                if echo:
                    sys.stdout.write(line)
                    sys.stdout.flush()
            proc.wait()
        except (KeyboardInterrupt, Interrupted):
            step("Interrupted: stopping Odoo")
            stop_process(proc)
            raise Interrupted() from None
        finally:
            if timer:
                timer.cancel()
    if timed_out.is_set():
        return None
    return proc.returncode


def stop_process(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------
# wheel check
#
# The addon as Odoo users install OCA's addons: pip builds a wheel through
# pyproject.toml (whool, via tools/packaging/addon_build.py) that puts it under
# odoo/addons/account_dunning.  Odoo 18 adds every odoo/addons folder found on
# sys.path to odoo.addons.__path__ (odoo/__init__.py and odoo/addons/__init__.py
# extend their __path__ with pkgutil), so such an install needs no
# --addons-path.  The check builds the wheel, installs it into a folder, and
# asks an Odoo that has only that folder on PYTHONPATH, its default addons
# path and no configuration file to list the module.

WHEEL_DIR = BUILD / "wheel"

# Run by `odoo shell` (stdin), where `env` is the superuser environment.
WHEEL_SHELL = r"""
import json
import odoo
from odoo.modules.module import get_module_path
env["ir.module.module"].update_list()
module = env["ir.module.module"].search([("name", "=", %(module)r)])
print("WHEEL_CHECK " + json.dumps({
    "shortdesc": module.shortdesc,
    "state": module.state,
    "path": get_module_path(%(module)r, display_warning=False),
    "addons_path": odoo.tools.config["addons_path"],
    "filestore": odoo.tools.config.filestore(env.cr.dbname),
}))
"""


def addon_build():
    """tools/packaging/addon_build.py (standard library only at import)."""
    sys.path.insert(0, str(REPO / "tools" / "packaging"))
    import addon_build as module

    return module


def read_manifest():
    return ast.literal_eval((REPO / "__manifest__.py").read_text(encoding="utf-8"))


def check_wheel_files(wheel):
    """The wheel holds the addon's files, nothing else, and its dependencies."""
    build = addon_build()
    with zipfile.ZipFile(wheel) as zipped:
        names = zipped.namelist()
        dist_info = next(n.split("/")[0] for n in names if ".dist-info/" in n)
        metadata = email.parser.HeaderParser().parsestr(
            zipped.read(f"{dist_info}/METADATA").decode("utf-8")
        )
    prefix = f"odoo/addons/{MODULE}/"
    shipped = {name[len(prefix) :] for name in names if name.startswith(prefix)}
    expected = set(build.addon_files(REPO))
    problems = []
    if not wheel.name.startswith(f"odoo_addon_{MODULE}-"):
        problems.append(f"the wheel is named {wheel.name}")
    stray = [n for n in names if not n.startswith((prefix, f"{dist_info}/"))]
    if stray:
        problems.append("files outside " + prefix + ": " + ", ".join(stray[:5]))
    if expected - shipped:
        problems.append("missing: " + ", ".join(sorted(expected - shipped)[:5]))
    if shipped - expected:  # tooling, untracked or ignored files
        problems.append("not addon files: " + ", ".join(sorted(shipped - expected)[:5]))
    requires = metadata.get_all("Requires-Dist") or []
    required = {
        re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0].lower() for req in requires
    }
    python_deps = read_manifest().get("external_dependencies", {}).get("python", [])
    for dep in python_deps:
        if dep.lower() not in required:
            problems.append(f"{dep} (external_dependencies) not in its requirements")
    if problems:
        raise UserError(f"{wheel.name}: " + "; ".join(problems))
    info(f"{len(shipped)} files, all under {prefix}: the addon's files as")
    info("  tools/packaging/addon_build.py lists them (no tools/, .ci/, ...)")
    info(f"requires: {', '.join(requires)}")


def wheel_check(env):
    """Build, install into a folder, list the module from there; UserError if not."""
    shutil.rmtree(WHEEL_DIR, ignore_errors=True)
    dist, target = WHEEL_DIR / "dist", WHEEL_DIR / "site-packages"
    step("Wheel check: pip wheel --no-deps (pyproject.toml, whool)")
    run([PYTHON, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, REPO])
    wheels = sorted(dist.glob("*.whl"))
    if len(wheels) != 1:
        raise UserError(f"pip wheel made {len(wheels)} wheel(s) in {dist}, not 1")
    info(f"built {wheels[0].name}")
    check_wheel_files(wheels[0])
    step(f"Wheel check: pip install --no-deps --target {target}")
    run([PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-t", target, *wheels])
    odoorc = WHEEL_DIR / "odoorc"  # no user configuration, so no addons path
    odoorc.write_text("[options]\n", encoding="utf-8")
    pythonpath = [str(target), os.environ.get("PYTHONPATH", "")]
    child_env = dict(
        env.child_env, PYTHONPATH=os.pathsep.join(filter(None, pythonpath))
    )
    child_env["ODOO_RC"] = str(odoorc)
    db = f"dunning_wheel_{os.getpid()}"
    check_db_name(db)
    result = {}
    try:
        drop_db(db)
        step(f"Wheel check: database {db} with base only, PYTHONPATH={target}")
        cmd = [PYTHON, "-m", "odoo", "-d", db, "-i", "base", "--without-demo=all"]
        cmd += ["--stop-after-init", "--log-level=warn", "--max-cron-threads=0"]
        cmd += [f"--http-port={free_port()}"]
        odoo_step(cmd, child_env, "initialising the database")
        step("Wheel check: odoo shell: update_list(), then look for the module")
        cmd = [PYTHON, "-m", "odoo", "shell", "-d", db, "--no-http", "--log-level=warn"]
        out = odoo_step(cmd, child_env, "odoo shell", WHEEL_SHELL % {"module": MODULE})
        lines = [line for line in out.splitlines() if line.startswith("WHEEL_CHECK ")]
        if not lines:
            raise UserError(f"odoo shell printed no result: {out.strip()[-300:]}")
        result = json.loads(lines[-1].split(" ", 1)[1])
    finally:
        drop_db(db)
        if result.get("filestore") and os.path.isdir(result["filestore"]):
            shutil.rmtree(result["filestore"], ignore_errors=True)
    info(f"addons path: {result['addons_path']}")
    info(f"{MODULE}: {result['shortdesc']!r}, {result['state']}, at {result['path']}")
    expected = read_manifest()["name"]
    path = Path(result["path"] or "/nonexistent").resolve()
    if result["shortdesc"] != expected:
        raise UserError(f"ir.module.module has no {MODULE} named {expected!r}")
    if not path.is_relative_to(target.resolve()):
        raise UserError(f"Odoo found {MODULE} at {path}, not in {target}")
    step(f"Wheel check: OK ({MODULE} listed from the installed wheel)")


def odoo_step(cmd, child_env, what, stdin=None):
    """Run an Odoo command quietly; its stdout, or UserError with its last words."""
    info("$ " + " ".join(str(c) for c in cmd))
    proc = subprocess.run(
        cmd,
        input=stdin or "",
        capture_output=True,
        text=True,
        env=child_env,
        cwd=WHEEL_DIR,  # not the repository: it must not be on sys.path
    )
    if proc.returncode:
        tail = (proc.stderr.strip() or proc.stdout.strip() or "no output")[-500:]
        raise UserError(f"{what} failed (exit {proc.returncode}): {tail}")
    return proc.stdout


# --------------------------------------------------------------------------
# commands


def run_lint():
    """Lint with tools/lint.py under Odoo's interpreter (it has lxml and ruff)."""
    step("Linting (ruff, pylint-odoo, oca-checks-odoo-module/-po, XML, PO)")
    lint = REPO / "tools" / "lint.py"
    proc = subprocess.run([PYTHON, str(lint)], cwd=REPO)
    return proc.returncode == 0


def cmd_setup(_args):
    setup()
    step("Setup done")
    return 0


def cmd_lint(_args):
    setup()
    return 0 if run_lint() else 1


def cmd_wheel_check(_args):
    env = setup()
    wheel_check(env)
    return 0


def cmd_count(args):
    counter = LogCounter()
    try:
        with open(args.log, encoding="utf-8", errors="replace") as log:
            for line in log:
                counter.feed(line)
    except OSError as exc:
        raise UserError(f"cannot read {args.log}: {exc.strerror}") from None
    reasons = verdict(counter, args.strict, log_problem=check_log(args.log))
    for reason in reasons:
        print(f"FAILED: {reason}")
    print(counter.line())
    return 1 if reasons else 0


def verdict(counter, strict, returncode=0, lint_ok=True, log_problem=None):
    """Reasons to fail the run, one sentence each (empty: success)."""
    reasons = []
    if not lint_ok:
        reasons.append("lint failed (see above; `python3 tools/dunning.py lint`)")
    if counter.failed:
        reasons.append(f"{counter.failed} test failure(s)/error(s)")
    if log_problem:
        reasons.append(log_problem)
    if not counter.started and not counter.failed and not log_problem:
        reasons.append(
            "no test ran: add tests under tests/ (imported by tests/__init__.py) "
            "or check --tags"
        )
    if strict and counter.skipped:
        reasons.append(f"{counter.skipped} skipped test(s) in strict mode (CI)")
    if returncode is None:
        reasons.append("Odoo was stopped by the --timeout")
    elif counter.summary is None and counter.started:
        reasons.append(f"Odoo stopped before its final test report (exit {returncode})")
    elif returncode and not reasons:
        reasons.append(f"Odoo exited with code {returncode}")
    return reasons


def cmd_test(args):
    """Fresh database, install without demo data, count; always drop, summarise."""
    strict = args.strict or is_ci()
    db = args.db or f"dunning_test_{os.getpid()}"
    counter = LogCounter()
    reasons = []
    created = False
    returncode = 1
    try:
        check_db_name(db)
        env = setup()
        lint_ok = True if args.no_lint else run_lint()
        if db_exists(db):
            if not db.startswith("dunning_test"):
                raise UserError(
                    f"database {db} already exists and is not a dunning_test* "
                    "database; choose another --db or drop it yourself"
                )
            drop_db(db)
        created = True
        step(f"Testing {MODULE} in throwaway database {db} (tags {args.tags})")
        cmd = env.odoo_cmd(db) + [
            "-i",
            INSTALL,
            "--test-enable",
            f"--test-tags={args.tags}",
            "--stop-after-init",
            "--log-level=test",
            "--without-demo=all",
            f"--http-port={free_port()}",
            "--max-cron-threads=0",
        ]
        started = time.monotonic()
        returncode = run_odoo(
            env, cmd, BUILD / "test.log", counter, args.verbose, args.timeout
        )
        step(f"Odoo finished in {time.monotonic() - started:.0f}s")
        info(f"full log: {BUILD / 'test.log'}")
        if counter.summary and counter.summary[2] != counter.started:
            info(
                f"note: Odoo reports {counter.summary[2]} tests run, "
                f"{counter.started} 'Starting' lines were seen"
            )
        log_problem = check_log(BUILD / "test.log")
        reasons = verdict(counter, strict, returncode, lint_ok, log_problem)
        if args.wheel_check:
            try:
                wheel_check(env)
            except UserError as exc:
                reasons.append(f"wheel check: {exc}")
    except UserError as exc:
        reasons = [str(exc)]
    except (KeyboardInterrupt, Interrupted):
        reasons = ["interrupted"]
        returncode = 130
    except Exception:  # a bug here must not hide the summary line
        traceback.print_exc()
        reasons = ["internal error of tools/dunning.py (traceback above)"]
    finally:
        if created and not args.keep_db:
            try:
                drop_db(db)
            except (UserError, KeyboardInterrupt, Interrupted) as exc:
                warn(f"could not drop database {db}: {exc}")
        elif created:
            info(f"database {db} kept (--keep-db)")
        for reason in reasons:
            print(f"FAILED: {reason}", flush=True)
        print(counter.line(), flush=True)
    if not reasons:
        return 0
    return 130 if returncode == 130 else 1


def cmd_demo(args):
    """Demo database with the French demo data, then the server in foreground."""
    env = setup()
    drop_db(DEMO_DB)
    step(f"Creating database {DEMO_DB} with {INSTALL} (no Odoo demo data)")
    counter = LogCounter()
    cmd = env.odoo_cmd(DEMO_DB) + [
        "-i",
        INSTALL,
        "--stop-after-init",
        "--without-demo=all",
        "--http-port",
        str(free_port()),
    ]
    returncode = run_odoo(env, cmd, BUILD / "demo.log", counter, args.verbose)
    problem = check_log(BUILD / "demo.log", errors_only=True)
    if returncode or problem:
        raise UserError(
            f"installing {INSTALL} failed ({problem or f'exit {returncode}'}); "
            f"see {BUILD / 'demo.log'}"
        )
    script = REPO / "tools" / "demo_data.py"
    if script.exists():
        step("Loading the dunning demo data (tools/demo_data.py)")
        cmd = [PYTHON, script, "--database", DEMO_DB, "--addons-path", env.addons_path]
        run(cmd, env=env.child_env, cwd=REPO)
    else:
        warn("tools/demo_data.py does not exist yet: the database has no demo data")

    url = f"http://localhost:{args.port}"
    step("Demo ready")
    info(f"open {url} and log in as admin / password admin, then look at:")
    # Community's app is "Invoicing"; the demo data switches admin to French.
    info("- Facturation > Clients > Factures clients, filtre En retard")
    info("  (Invoicing > Customers > Invoices, filter Overdue)")
    info("- Facturation > Clients > Relances: customers to remind, history, runs")
    info("  (Invoicing > Customers > Reminders)")
    if args.no_serve:
        info(
            f"start it with: {PYTHON} -m odoo -d {DEMO_DB} "
            f"--addons-path={env.addons_path} --http-port={args.port}"
        )
        return 0
    if port_in_use(args.port):
        raise UserError(f"port {args.port} is already in use; pass another --port")
    step(f"Serving {DEMO_DB} on {url} (Ctrl-C to stop)")
    cmd = env.odoo_cmd(DEMO_DB) + [f"--http-port={args.port}"]
    sys.stdout.flush()
    os.chdir(REPO)
    os.execve(PYTHON, cmd, env.child_env)
    return 0  # not reached


def parser():
    main = argparse.ArgumentParser(
        prog="python3 tools/dunning.py",
        description="Set up, test and demo the account_dunning Odoo 18 addon.",
    )
    sub = main.add_subparsers(
        dest="command", metavar="{setup,test,demo,lint,wheel-check,count}"
    )
    sub.add_parser("setup", help="check/install what the addon needs (idempotent)")
    sub.add_parser("lint", help="ruff, pylint-odoo, OCA's module/PO checks, XML/PO")
    sub.add_parser(
        "wheel-check", help="build the wheel, install it, have Odoo list the module"
    )

    test = sub.add_parser("test", help="lint + run the tests in a throwaway DB")
    test.add_argument("--tags", default=f"/{MODULE}", help="Odoo --test-tags value")
    test.add_argument("--db", help="database name (default dunning_test_<pid>)")
    test.add_argument("--keep-db", action="store_true", help="do not drop the DB")
    test.add_argument("--strict", action="store_true", help="fail on skipped tests")
    test.add_argument("--no-lint", action="store_true", help="skip the lint step")
    test.add_argument(
        "--wheel-check", action="store_true", help="then the wheel-check (CI)"
    )
    test.add_argument("-v", "--verbose", action="store_true", help="echo all logs")
    test.add_argument(
        "--timeout", type=int, default=80, help="minutes before Odoo is stopped"
    )

    demo = sub.add_parser("demo", help="load the demo database and serve it")
    demo.add_argument("--port", type=int, default=8069, help="HTTP port (8069)")
    demo.add_argument("--no-serve", action="store_true", help="stop after loading")
    demo.add_argument("-v", "--verbose", action="store_true", help="echo all logs")

    count = sub.add_parser("count", help="count results of an Odoo test log file")
    count.add_argument("log", help="log file, e.g. .build/test.log")
    count.add_argument("--strict", action="store_true", help="fail on skipped")
    return main


COMMANDS = {
    "setup": cmd_setup,
    "test": cmd_test,
    "demo": cmd_demo,
    "lint": cmd_lint,
    "wheel-check": cmd_wheel_check,
    "count": cmd_count,
}


def on_sigterm(_signum, _frame):
    raise Interrupted()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        parser().print_help()
        return 2
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        sys.stdout.flush()
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except (KeyboardInterrupt, Interrupted):
        print("interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
