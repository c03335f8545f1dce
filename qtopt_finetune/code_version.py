"""Which code wrote an artefact: the package version and, when run from a git checkout, the commit."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import qtopt_finetune


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """HEAD's commit of the checkout this package lives in, or None (not a checkout, or no git)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit or None


def code_version() -> dict[str, str | None]:
    return {"qtopt_finetune": qtopt_finetune.__version__, "git_commit": git_commit()}
