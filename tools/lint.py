#!/usr/bin/env python3
"""Static checks of the addon, run by ``tools/dunning.py test`` before Odoo.

    python3 tools/lint.py          check only (what CI runs)
    python3 tools/lint.py --fix    ruff format + ruff check --fix, then check

Why a separate file: it needs lxml (and ruff), which live in the interpreter
that has Odoo, while tools/dunning.py must run with the standard library only.
Checks, all from the repository root, ``.build/`` excluded:

* ``ruff format --check`` and ``ruff check`` (configuration: ruff.toml);
* every ``*.xml`` is well-formed (lxml), so a broken view is reported with its
  file and line instead of as an install traceback minutes later;
* every ``*.po`` compiles with ``msgfmt --check-format`` (when gettext is there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".build", ".git", ".venv", "node_modules", "__pycache__"}


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


def main(argv):
    ruff = ruff_cmd()
    if ruff is None:
        print("ruff is not installed: pip install -r requirements-dev.txt")
        return 1
    if "--fix" in argv:
        run("ruff format", [*ruff, "format", "."])
        run("ruff check --fix", [*ruff, "check", "--fix", "."])
    results = [
        run("ruff format", [*ruff, "format", "--check", "."]),
        run("ruff check", [*ruff, "check", "--output-format=concise", "."]),
        check_xml(),
        check_po(),
    ]
    if all(results):
        print("lint: OK", flush=True)
        return 0
    print("lint: FAILED (`python3 tools/lint.py --fix` fixes most ruff findings)")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
