"""The video-pretraining experiment's tables: `video_pretraining.json`, `.md` (with 95% Wilson intervals
and a reading of the result) and `.png` (success vs grasps per variation and start)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from robot_drivers.experiments.cells import error_bars, log_grasp_axis, wall_time_line
from robot_drivers.experiments.video_experiment import STARTS, VideoResult

LABELS = {
    "scratch": "from scratch",
    "video_random": "video tower (random-encoder units)",
    "video_base": "video tower (base-encoder units)",
    "rl_base": "RL-pretrained base policy",
}


def _ci(cell: dict[str, Any]) -> str:
    return f"{cell['success_rate']:.2f} [{cell['ci_low']:.2f}, {cell['ci_high']:.2f}]"


def summary(result: VideoResult) -> dict[str, Any]:
    a = result.settings["adaptation"]

    def rates(v: str, start: str) -> dict[str, float]:
        return {str(g): round(result.cells[f"{v}/{start}_{g}"]["success_rate"], 4) for g in a["grasps"]}

    return {
        "variations": {v: {start: rates(v, start) for start in STARTS} for v in a["variations"]},
        "video": result.video,
        "settings": result.settings,
        "cells": result.cells,
        "wall_time_s": round(result.total_seconds or result.seconds, 1),
        "runs": result.runs,
    }


def reading(result: VideoResult) -> list[str]:
    """Each video-pretrained start against scratch, cell by cell: overlapping intervals are no difference."""
    a, c = result.settings["adaptation"], result.cells
    lines = []
    for v in a["variations"]:
        for g in a["grasps"]:
            scratch = c[f"{v}/scratch_{g}"]
            for start in ("video_random", "video_base"):
                cell = c[f"{v}/{start}_{g}"]
                if cell["ci_low"] > scratch["ci_high"]:
                    verdict = "better than scratch"
                elif cell["ci_high"] < scratch["ci_low"]:
                    verdict = "worse than scratch"
                else:
                    verdict = "no difference from scratch within the intervals"
                lines.append(f"- {v}, {g} grasps, {LABELS[start]}: {_ci(cell)} vs {_ci(scratch)}: {verdict}")
    return lines


def markdown(result: VideoResult, command: str) -> str:
    a, c = result.settings["adaptation"], result.cells
    n = next(iter(c.values()))["episodes"]
    lines = [
        "# Action-agnostic pretraining from unlabeled grasp video",
        "",
        f"Grasp success on unseen (test) objects, {n} episodes per cell, 95% Wilson intervals. Every",
        f"start is trained {a['steps']} steps (lr {a['lr']:g}, batch {a['batch_size']}) on the same target",
        "grasps only: the base policy's exploration grasps on the variation. Video pretraining saw frames",
        f"only (base-log episodes and {result.settings['recordings']} unlabeled recordings per variation),",
        "never an action, a reward or a success label.",
        "",
    ]
    for encoder, info in result.video.items():
        cb = info["codebook"]
        loss = f"{info['first_loss']:.3f} -> {info['final_loss']:.3f} (chance {info['chance_loss']:.3f})"
        units = f"k={cb['k']}, assignment `{cb['assignment']}`, {info['clips']} clips"
        lines.append(f"- units from the {encoder} encoder: {units}; forward-model loss {loss}")
    head = " | ".join(f"{g} grasps" for g in a["grasps"])
    for v in a["variations"]:
        lines += ["", f"## {v}", "", f"| start | {head} |", "|---|" + "---|" * len(a["grasps"])]
        for s in STARTS:
            cells = " | ".join(_ci(c[f"{v}/{s}_{g}"]) for g in a["grasps"])
            lines.append(f"| {LABELS[s]} | {cells} |")
    lines += ["", "## Reading", "", *reading(result), ""]
    lines += [wall_time_line(result.seconds, result.total_seconds, result.runs), ""]
    lines += [f"Reproduce: `{command}`", ""]
    return "\n".join(lines)


def plot(result: VideoResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, c = result.settings["adaptation"], result.cells
    width = 4.2 * len(a["variations"])
    fig, axes = plt.subplots(1, len(a["variations"]), figsize=(width, 3.6), squeeze=False)
    for ax, v in zip(axes[0], a["variations"], strict=True):
        for s in STARTS:
            cells = [c[f"{v}/{s}_{g}"] for g in a["grasps"]]
            y = [x["success_rate"] for x in cells]
            err = error_bars(cells)
            ax.errorbar(a["grasps"], y, yerr=err, marker="o", capsize=3, label=LABELS[s])
        log_grasp_axis(ax, a["grasps"])
        ax.set_ylim(0, 1)
        ax.set_title(v)
        ax.set_xlabel("target grasps")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("grasp success (unseen objects)")
    axes[0][-1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(result: VideoResult, out_dir: str | Path, command: str) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {kind: out / f"video_pretraining.{kind}" for kind in ("json", "md", "png")}
    paths["json"].write_text(json.dumps(summary(result), indent=2) + "\n")
    paths["md"].write_text(markdown(result, command))
    plot(result, paths["png"])
    return paths
