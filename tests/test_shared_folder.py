"""Without the shared folder beside the clone: one clear line, never a traceback (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import ROOT


@pytest.mark.parametrize("command", ["validate", "coverage"])
def test_issue_17_cli_without_shared_says_so_in_one_line(tmp_path, command):
    missing = tmp_path / "shared"
    done = subprocess.run([sys.executable, "-m", "kzct.cli", command], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "KZCT_SHARED": str(missing)}, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith(f"kzct {command}: ") and f"the folder {missing} is missing" in lines[0]


def test_issue_17_pytest_without_shared_names_the_folder(tmp_path):
    missing = tmp_path / "shared"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider",
                           "tests/test_ui.py"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "KZCT_SHARED": str(missing)}, timeout=120)
    assert done.returncode == 4  # pytest's usage error, before any collection
    assert f"ERROR: {missing} is missing" in done.stderr and "FileNotFoundError" not in done.stderr
