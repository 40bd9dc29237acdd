"""Where the project's data folders live (the repository root, or KZCT_ROOT)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("KZCT_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


ROOT = project_root()
ONTOLOGY_DIR = ROOT / "ontology"
GRAPH_DIR = ROOT / "graph"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
BUILD_DIR = ROOT / "build"
STORES_DIR = BUILD_DIR / "stores"  # the shared on-disk stores, one folder per release (kzct load)
SHARED_DIR = Path(os.environ.get("KZCT_SHARED", ROOT.parent / "shared"))
"""The folder kept beside the repository: the article (source/) and the W3C test suites."""
SOURCE_FILE = Path(
    os.environ.get("KZCT_SOURCE", SHARED_DIR / "source" / "terrorism-in-kazakhstan.txt")
)
