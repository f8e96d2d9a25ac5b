#!/usr/bin/env python3
"""Static checks of the addon, run by ``tools/dunning.py test`` before Odoo.

    python3 tools/lint.py                  check only (what CI runs)
    python3 tools/lint.py --fix            ruff format + ruff check --fix, then check
    python3 tools/lint.py --report F.md    also write the Odoo checks' findings to F.md

Why a separate file: it needs lxml, ruff and OCA's checkers, which live in the
interpreter that has Odoo, while tools/dunning.py must run with the standard
library only.  Checks, from the repository root, ``.build/`` excluded:

* ``ruff format --check`` and ``ruff check`` (ruff.toml), tools/ included;
* every ``*.xml`` is well-formed (lxml), so a broken view is reported with its
  file and line instead of as an install traceback minutes later;
* every ``*.po`` compiles with ``msgfmt --check-format`` (when gettext is there);
* OCA's Odoo checks, on the addon only: ``pylint`` with the ``pylint_odoo``
  plugin (.pylintrc, ``--valid-odoo-versions=18.0``), ``oca-checks-odoo-module``
  and ``oca-checks-po`` (.oca_hooks.cfg).  They run on a copy of the addon's
  files (those the wheel ships, see tools/packaging/addon_build.py: not tools/
  nor the root's configuration files) in ``.build/lint/account_dunning``:
  both tools name the addon after its folder, and oca-checks-odoo-module only
  looks for addons in folders below the git root, so on the clone itself it
  would silently check nothing.  Their findings are printed as
  ``path:line: [check] message`` with paths relative to the repository root.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULE = "account_dunning"
LINT_COPY = REPO / ".build" / "lint" / MODULE
SKIP_DIRS = {".build", ".git", ".venv", "node_modules", "__pycache__"}

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# pylint (msg-template in .pylintrc): path:line: [symbol] message
PYLINT_LINE = re.compile(r"^(?P<pos>\S+?): \[(?P<check>[a-z0-9-]+)\] (?P<msg>.*)$")
# oca-odoo-pre-commit-hooks: path[:line[:column]]: check message
OCA_LINE = re.compile(
    r"^(?P<pos>\S+?): (?P<check>[a-z0-9]+(?:-[a-z0-9]+)+) (?P<msg>.*)$"
)
# Where the copy's files appear in the tools' output (relative or absolute).
COPY_PREFIX = re.compile(r"\S*\.build/lint/" + MODULE + "/")


def files(suffix):
    """Files of the repository with that suffix, outside SKIP_DIRS and dot dirs."""
    for root, dirs, names in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and d[0] != ".")
        for name in sorted(names):
            if name.endswith(suffix):
                yield Path(root, name)


def ruff_cmd():
    """ruff from this interpreter (requirements-dev.txt), else from PATH."""
    try:
        import ruff  # noqa: F401

        return [sys.executable, "-m", "ruff"]
    except ImportError:
        found = shutil.which("ruff")
        return [found] if found else None


def run(title, cmd):
    print(f"--- {title}: {' '.join(cmd[-3:])}", flush=True)
    return subprocess.run(cmd, cwd=REPO).returncode == 0


def check_xml():
    """Well-formedness of every XML file, reported as path:line: message."""
    print("--- XML well-formedness", flush=True)
    try:
        from lxml import etree
    except ImportError:
        print(f"lxml is not installed for {sys.executable}", flush=True)
        return False
    ok, count = True, 0
    for path in files(".xml"):
        count += 1
        try:
            etree.parse(str(path))
        except etree.XMLSyntaxError as exc:
            ok = False
            line = exc.lineno or (exc.position[0] if exc.position else 0)
            print(f"{path.relative_to(REPO)}:{line}: {exc.msg}", flush=True)
    print(f"{count} XML file(s) checked", flush=True)
    return ok


def check_po():
    """msgfmt --check-format on translations: catches broken %s/%(name)s."""
    po_files = list(files(".po"))
    if not po_files:
        return True
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        print("--- PO files: msgfmt not found (install gettext), skipped")
        return True
    print("--- PO files: msgfmt --check-format", flush=True)
    ok = True
    for path in po_files:
        cmd = [msgfmt, "--check-format", "-o", os.devnull, str(path)]
        ok = subprocess.run(cmd, cwd=REPO).returncode == 0 and ok
    print(f"{len(po_files)} PO file(s) checked", flush=True)
    return ok


# --------------------------------------------------------------------------
# OCA's Odoo checks


def copy_addon():
    """Fresh ``.build/lint/account_dunning``: the addon's files, new ones too."""
    sys.path.insert(0, str(REPO / "tools" / "packaging"))
    import addon_build

    shutil.rmtree(LINT_COPY.parent, ignore_errors=True)
    addon_build.stage(REPO, LINT_COPY, untracked=True)


def run_checker(title, cmd, cwd, pattern, crashed):
    """Run one checker; return (findings, ok) with findings (check, pos, msg).

    ``crashed(returncode)`` tells a failure of the tool itself from findings;
    then (or when findings were expected but none parsed) its raw output is
    shown, so that nothing is hidden.
    """
    print(f"--- {title}", flush=True)
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    output = COPY_PREFIX.sub("", ANSI.sub("", proc.stdout + proc.stderr))
    findings = []
    for line in output.splitlines():
        if match := pattern.match(line):
            findings.append([match["check"], match["pos"], match["msg"]])
        elif findings and line.strip() and not line.startswith("*" * 5):
            findings[-1][2] += f"\n    {line.strip()}"  # extra positions, info
    findings.sort(key=sort_key)
    if crashed(proc.returncode) or (proc.returncode and not findings):
        print(output.rstrip())
        print(f"{title}: the checker failed (exit {proc.returncode})", flush=True)
        return findings, False
    for check, pos, msg in findings:
        print(f"{pos}: [{check}] {msg}")
    counts = Counter(check for check, _pos, _msg in findings)
    summary = ", ".join(f"{check} {n}" for check, n in counts.most_common())
    print(f"{len(findings)} finding(s){': ' + summary if summary else ''}", flush=True)
    return findings, not findings


def sort_key(finding):
    path, _sep, rest = finding[1].partition(":")
    line = rest.split(":")[0]
    return path, int(line) if line.isdigit() else 0, finding[0]


def check_odoo():
    """pylint-odoo, oca-checks-odoo-module and oca-checks-po on the copy.

    Returns [(title, findings, ok)], one per checker.
    """
    missing = [
        name
        for name in ("pylint_odoo", "oca_pre_commit_hooks")
        if not _importable(name)
    ]
    if missing:
        print(
            f"--- OCA checks: {', '.join(missing)} not installed for "
            f"{sys.executable}: pip install -r requirements-dev.txt",
            flush=True,
        )
        return [("OCA checks", [], False)]
    copy_addon()
    py = sys.executable
    po_files = sorted(
        str(path.relative_to(LINT_COPY)) for path in LINT_COPY.glob("i18n/*.po*")
    )
    checkers = [
        (
            "pylint-odoo (.pylintrc)",
            [py, "-m", "pylint", f"--rcfile={REPO / '.pylintrc'}", "."],
            LINT_COPY,
            PYLINT_LINE,
            lambda rc: rc & (1 | 32),  # fatal message, usage error
        ),
        (
            "oca-checks-odoo-module (.oca_hooks.cfg)",
            [py, "-m", "oca_pre_commit_hooks.cli", "--config", ".oca_hooks.cfg"]
            + [str(LINT_COPY.relative_to(REPO))],
            REPO,
            OCA_LINE,
            lambda rc: rc not in (0, 1),
        ),
        (
            "oca-checks-po (.oca_hooks.cfg)",
            [py, "-m", "oca_pre_commit_hooks.cli_po", "--config"]
            + [str(REPO / ".oca_hooks.cfg"), *po_files],
            LINT_COPY,
            OCA_LINE,
            lambda rc: rc not in (0, 1),
        ),
    ]
    report = []
    for title, cmd, cwd, pattern, crashed in checkers:
        if title.startswith("oca-checks-po") and not po_files:
            continue
        report.append((title, *run_checker(title, cmd, cwd, pattern, crashed)))
    return report


def _importable(name):
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def write_report(path, report, results):
    """The Odoo checks' findings as Markdown, for whoever fixes them."""
    lines = ["# Lint findings", ""]
    lines.append("Written by `python3 tools/lint.py --report`. Checks: ")
    lines[-1] += ", ".join(f"{name} {'OK' if ok else 'FAILED'}" for name, ok in results)
    lines[-1] += "."
    lines.append("")
    for title, findings, _ok in report:
        counts = Counter(check for check, _pos, _msg in findings)
        lines += [f"## {title}: {len(findings)} finding(s)", ""]
        if counts:
            lines += ["| check | count |", "|---|---|"]
            lines += [f"| {check} | {n} |" for check, n in counts.most_common()]
            lines += ["", "| check | file:line | message |", "|---|---|---|"]
            for check, pos, msg in findings:
                text = msg.replace("|", "\\|").replace("\n", "<br>")
                lines.append(f"| {check} | {pos} | {text} |")
            lines.append("")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"findings written to {path}", flush=True)


def main(argv):
    ruff = ruff_cmd()
    if ruff is None:
        print("ruff is not installed: pip install -r requirements-dev.txt")
        return 1
    if "--fix" in argv:
        run("ruff format", [*ruff, "format", "."])
        run("ruff check --fix", [*ruff, "check", "--fix", "."])
    results = [
        ("ruff format", run("ruff format", [*ruff, "format", "--check", "."])),
        (
            "ruff check",
            run("ruff check", [*ruff, "check", "--output-format=concise", "."]),
        ),
        ("XML", check_xml()),
        ("PO", check_po()),
    ]
    report = check_odoo()
    results += [(title.split()[0], ok) for title, _findings, ok in report]
    if "--report" in argv[:-1]:
        write_report(argv[argv.index("--report") + 1], report, results)
    failed = [name for name, ok in results if not ok]
    if not failed:
        print("lint: OK", flush=True)
        return 0
    hint = ""
    if any(name.startswith("ruff") for name in failed):
        hint = "; `python3 tools/lint.py --fix` fixes most ruff findings"
    print(f"lint: FAILED ({', '.join(failed)}{hint})", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
