"""PEP 517 build backend of the addon: OCA's ``whool``, given the right folder.

``pip wheel --no-deps <clone>`` and ``pip install <clone or git URL>`` use it
(``pyproject.toml``: ``build-backend = "addon_build"``, ``backend-path``).

Why not ``whool.buildapi`` directly: whool builds the addon found in the folder
holding ``pyproject.toml`` and

* names it after that folder (manifestoo-core's ``metadata_from_addon_dir``:
  ``addon_dir.absolute().name``), unless a ``PKG-INFO`` file (an unpacked
  sdist) gives the name; it has no setting for the name.  Here the repository
  root is the addon and its clone may have any name: CI clones into ``main``,
  pip clones a URL into a random temporary folder;
* packs every file git tracks there, with no setting to leave any out, and
  this repository's root also holds the developer tooling (``tools/``,
  ``.ci/``, linters' configuration, ...).

So each hook copies the addon's files (:func:`addon_files`) into a temporary
folder, writes there the ``PKG-INFO`` of an sdist (name
``odoo-addon-account_dunning``, version as whool computes it from the
manifest and the git history of the clone) and a ``pyproject.toml`` using
whool itself, then runs whool's hook of the same name in that folder.  An
sdist built this way is a plain whool sdist: its wheel builds without this
module.  Editable installs are not supported (use an addons path instead).

tools/lint.py uses :func:`addon_files` and :func:`stage` too, so that the
Odoo checks see exactly what the wheel ships.  Standard library only at the
top level: whool and manifestoo-core are imported by the hooks, in pip's
isolated build environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ADDON = "account_dunning"

# Entries of the repository root that are developer tooling or build output,
# not the addon.  Every other root entry whose name starts with a dot (.ci/,
# .build/, .pylintrc, ...) is left out too.
DEVELOPER_FILES = frozenset(
    {
        "tools",
        "ruff.toml",
        "pyproject.toml",
        "requirements.txt",
        "requirements-dev.txt",
        "checklog-odoo.cfg",
        "LINT_FINDINGS.md",
        "build",  # pip/whool output
        "dist",
    }
)
# Never part of the addon, wherever they are (when git is not there to say).
JUNK_DIRS = frozenset({".git", "__pycache__"})
JUNK_SUFFIXES = (".pyc", ".pyo")

WHOOL_PYPROJECT = """\
[build-system]
requires = ["whool"]
build-backend = "whool.buildapi"
"""


def is_addon_file(relpath):
    """Whether a path relative to the root belongs to the addon."""
    parts = Path(relpath).parts
    if not parts or parts[0] in DEVELOPER_FILES or parts[0].startswith("."):
        return False
    if any(part in JUNK_DIRS for part in parts[:-1]):
        return False
    return not relpath.endswith(JUNK_SUFFIXES)


def _git_files(root, untracked):
    """Files git knows under ``root`` (None when ``root`` is not in git)."""
    cmd = ["git", "ls-files", "-z"]
    if untracked:  # also new files not yet added, but not ignored ones
        cmd += ["--cached", "--others", "--exclude-standard"]
    try:
        out = subprocess.run(
            cmd, cwd=root, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in out.split("\0") if name]


def _walk_files(root):
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in JUNK_DIRS and d != ".build")
        for name in sorted(names):
            yield os.path.relpath(os.path.join(folder, name), root)


def addon_files(root, untracked=False):
    """Sorted relative paths of the addon's files under ``root``.

    The files git tracks (with ``untracked``: also those not yet added and not
    ignored), or every file when ``root`` is not in a git work tree (a source
    archive), less the developer tooling.
    """
    root = Path(root)
    names = _git_files(root, untracked)
    if names is None:
        names = _walk_files(root)
    return sorted(
        name
        for name in set(names)
        if is_addon_file(name) and (root / name).is_file()  # not deleted
    )


def stage(root, dest, untracked=False):
    """Copy the addon's files from ``root`` into the new folder ``dest``."""
    root, dest = Path(root), Path(dest)
    for name in addon_files(root, untracked):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return dest


# --------------------------------------------------------------------------
# PEP 517 hooks


def _pkg_info(root):
    """``PKG-INFO`` naming the addon, with whool's version for ``root``."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11: whool depends on tomli there
        import tomli as tomllib
    from manifestoo_core.metadata import (
        addon_name_to_distribution_name,
        metadata_from_addon_dir,
    )
    from manifestoo_core.odoo_series import OdooSeries

    pyproject = root / "pyproject.toml"
    with open(pyproject, "rb") as file:
        options = tomllib.load(file).get("tool", {}).get("whool", {})
    strategy = os.environ.get("WHOOL_POST_VERSION_STRATEGY_OVERRIDE")
    if strategy:  # whool honours it, so do we
        options["post_version_strategy_override"] = strategy
    # The version from the manifest and the git history of the clone; the
    # name computed with it (from the clone's folder) is not used.
    version = metadata_from_addon_dir(root, options)["Version"]
    series = options.get("odoo_series_override") or ".".join(version.split(".")[:2])
    name = addon_name_to_distribution_name(ADDON, OdooSeries.from_str(series))
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", options


@contextmanager
def _staged():
    """A temporary ``<tmp>/account_dunning`` sdist-like folder, as the cwd."""
    root = Path.cwd()
    pkg_info, options = _pkg_info(root)
    with tempfile.TemporaryDirectory(prefix="addon_build_") as tmp:
        addon_dir = stage(root, Path(tmp) / ADDON)
        (addon_dir / "PKG-INFO").write_text(pkg_info, encoding="utf-8")
        pyproject = WHOOL_PYPROJECT
        if options:  # keep whool's own settings for the sdist
            pyproject += "\n[tool.whool]\n" + "".join(
                f"{key} = {_toml_value(value)}\n" for key, value in options.items()
            )
        (addon_dir / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        os.chdir(addon_dir)
        try:
            yield addon_dir
        finally:
            os.chdir(root)


def _toml_value(value):
    """TOML for the few value types of whool's settings."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_toml_value(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return str(value)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    from whool import buildapi

    wheel_directory = os.path.abspath(wheel_directory)
    with _staged():
        return buildapi.build_wheel(wheel_directory, config_settings)


def build_sdist(sdist_directory, config_settings=None):
    from whool import buildapi

    sdist_directory = os.path.abspath(sdist_directory)
    with _staged():
        return buildapi.build_sdist(sdist_directory, config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    from whool import buildapi

    metadata_directory = os.path.abspath(metadata_directory)
    with _staged():
        return buildapi.prepare_metadata_for_build_wheel(
            metadata_directory, config_settings
        )


if __name__ == "__main__":  # python3 tools/packaging/addon_build.py: the list
    sys.stdout.write("".join(f"{name}\n" for name in addon_files(Path.cwd())))
