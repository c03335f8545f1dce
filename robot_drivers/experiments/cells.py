"""A folder of finished experiment cells (one JSON file each), so an interrupted experiment resumes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtopt_finetune.stats import success_rate


class CellCache:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return self.folder / f"{safe}.json"

    def get(self, name: str) -> dict[str, Any] | None:
        path = self._path(name)
        return json.loads(path.read_text()) if path.is_file() else None

    def put(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        path = self._path(name)
        tmp = path.with_suffix(".json.tmp")
        with tmp.open("w") as f:
            json.dump(value, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        return value

    def cached(self, name: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        found = self.get(name)
        return found if found is not None else self.put(name, compute())


def pooled(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One cell from evaluations of several children trained the same way but for their seed: the pooled
    success rate and its Wilson interval over every episode, with each run's rate under `runs`."""
    if not runs:
        raise ValueError("pooled: no runs")
    successes = sum(int(c["successes"]) for c in runs)
    episodes = sum(int(c["episodes"]) for c in runs)
    rate = success_rate(successes, episodes)
    return {
        "checkpoint": [c["checkpoint"] for c in runs],
        "variation": runs[0]["variation"],
        "success_rate": rate.rate,
        "ci_low": rate.low,
        "ci_high": rate.high,
        "successes": successes,
        "episodes": episodes,
        "runs": [c["success_rate"] for c in runs],
        "seconds": round(sum(float(c.get("seconds", 0.0)) for c in runs), 1),
    }


def claim_for_base(
    folder: str | Path, base_id: str, variations_revision: int = 1, recipe: dict[str, Any] | None = None
) -> None:
    """Tie an experiment's work folder to the base policy, the variation definitions (their revision) and the
    training recipe (`recipe`: learning rates, steps, learner overrides...) its cells were measured with: the
    first run writes `base.json`; a later run with another base, revision or recipe is refused (its cells
    would silently mix two policies, two worlds or two recipes). A `base.json` without a revision predates
    revisions: revision 1; one without a recipe predates recipes and takes this run's."""
    path = Path(folder) / "base.json"
    claim: dict[str, Any] = {"base_id": base_id, "variations_revision": variations_revision}
    if path.is_file():
        old = json.loads(path.read_text())
        claimed, revision = old.get("base_id"), int(old.get("variations_revision", 1))
        if claimed != base_id:
            raise ValueError(
                f"experiment work dir {folder} holds cells of base policy {claimed}, and this run's base is "
                f"{base_id}: use another --work-dir, or remove that one to measure again"
            )
        if revision != variations_revision:
            raise ValueError(
                f"experiment work dir {folder} holds cells measured under variations revision {revision}, "
                f"and this code defines revision {variations_revision}: use another --work-dir"
            )
        if recipe is None or old.get("recipe") == recipe:
            return
        if "recipe" in old:
            was = old["recipe"]
            differ = sorted(k for k in set(was) | set(recipe) if was.get(k) != recipe.get(k))
            changes = ", ".join(f"{k} {was.get(k)!r} -> {recipe.get(k)!r}" for k in differ)
            raise ValueError(
                f"experiment work dir {folder} holds cells trained with another recipe ({changes}): "
                "use another --work-dir"
            )
    Path(folder).mkdir(parents=True, exist_ok=True)
    if recipe is not None:
        claim["recipe"] = recipe
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(claim) + "\n")
    tmp.replace(path)


def add_wall_time(folder: str | Path, seconds: float) -> tuple[float, int]:
    """Add one run's wall time to the experiment's ledger (`wall_time.json` beside its cells) and
    return (seconds over every run, runs). A resumed experiment reports what all its runs cost, not
    only the last one, which may just have read finished cells back."""
    path = Path(folder) / "wall_time.json"
    before = json.loads(path.read_text()) if path.is_file() else {"seconds": 0.0, "runs": 0}
    total, runs = round(float(before["seconds"]) + seconds, 1), int(before["runs"]) + 1
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"seconds": total, "runs": runs}) + "\n")
    tmp.replace(path)
    return total, runs


def wall_time_line(seconds: float, total_seconds: float, runs: int) -> str:
    if runs <= 1:
        return f"Wall time: {seconds / 3600:.2f} h on this machine."
    return (
        f"Wall time: {total_seconds / 3600:.2f} h on this machine over {runs} runs "
        f"(this run {seconds / 3600:.2f} h; a run resumes from the cells already on disk)."
    )


def error_bars(cells: list[dict[str, Any]]) -> list[list[float]]:
    """matplotlib's yerr (below, above) for cells with a rate and a 95% interval; never negative
    (cells written before the interval was clamped can hold a low bound 1e-18 above a rate of 0)."""
    below = [max(0.0, c["success_rate"] - c["ci_low"]) for c in cells]
    above = [max(0.0, c["ci_high"] - c["success_rate"]) for c in cells]
    return [below, above]


def log_grasp_axis(ax: Any, grasps: list[int] | tuple[int, ...]) -> None:
    """A log x axis labelled at the grasp counts themselves (25, 100, 400, 800), no minor labels."""
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log")
    ax.set_xticks(list(grasps), [str(g) for g in grasps])
    ax.xaxis.set_minor_formatter(NullFormatter())
