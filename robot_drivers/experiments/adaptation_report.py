"""The adaptation experiment's tables: `adaptation.json` (the numbers), `adaptation.md` (a person's table with
95% Wilson intervals and the acceptance checks) and `adaptation.png` (success vs grasps per variation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from robot_drivers.experiments.adaptation_experiment import ExperimentResult
from robot_drivers.experiments.cells import error_bars, log_grasp_axis, wall_time_line


def _p(cell: dict[str, Any]) -> float:
    return round(float(cell["success_rate"]), 4)


def _ci(cell: dict[str, Any]) -> str:
    return f"{cell['success_rate']:.2f} [{cell['ci_low']:.2f}, {cell['ci_high']:.2f}]"


def _adapter_lr(s: dict[str, Any]) -> str:
    lr = s.get("adapter_lr")
    return "" if lr is None else f" (adapters {lr:g})"


def _id(settings: dict[str, Any]) -> str:
    return f" (id {str(settings['base_id'])[:8]})" if settings.get("base_id") else ""


def _revision(settings: dict[str, Any]) -> str:
    revision = settings.get("variations_revision")
    return "" if revision is None else f" Variations revision {revision} (`robot_drivers/sim/variations.py`)."


def summary(result: ExperimentResult) -> dict[str, Any]:
    """The JSON the issue asks for, plus every cell's interval under `cells`."""
    s, c = result.settings, result.cells
    top = max(s["grasps"])
    variations: dict[str, Any] = {}
    for v in s["variations"]:
        entry: dict[str, Any] = {
            "base_policy": _p(c[f"{v}/base_policy"]),
            "finetune": {str(g): _p(c[f"{v}/finetune_{g}"]) for g in s["grasps"]},
            f"scratch_{top}": _p(c[f"{v}/scratch_{top}"]),
            f"adapters_{top}": _p(c[f"{v}/adapters_{top}"]),
            "n": int(c[f"{v}/base_policy"]["episodes"]),
        }
        runs = c[f"{v}/finetune_{top}"].get("runs")
        if runs:  # several training seeds pooled into the cell
            entry[f"finetune_{top}_runs"] = runs
        if f"{v}/continual" in c:
            entry["continual"] = _p(c[f"{v}/continual"])
            entry["continual_on_base"] = _p(c[f"{v}/continual_on_base"])
        variations[v] = entry
    return {
        "base_task": _p(c["base_task"]),
        "variations": variations,
        "settings": s,
        "wall_time_s": round(result.total_seconds or result.seconds, 1),
        "runs": result.runs,
        "cells": c,
    }


def checks(result: ExperimentResult) -> list[tuple[str, bool, str]]:
    """The issue's acceptance, cell by cell: (what, holds, figures)."""
    s, c = result.settings, result.cells
    top = max(s["grasps"])
    base = c["base_task"]["success_rate"]
    out = []
    for v in s["variations"]:
        drop = base - c[f"{v}/base_policy"]["success_rate"]
        out.append(
            (f"{v}: the variation costs the base policy >= 20 points", drop >= 0.20, f"{drop * 100:+.0f}")
        )
        gap = base - c[f"{v}/finetune_{top}"]["success_rate"]
        what = f"{v}: {top}-grasp fine-tune within 10 points of base-task success"
        out.append((what, gap <= 0.10, f"{-gap * 100:+.0f}"))
        scratch = c[f"{v}/scratch_{top}"]["success_rate"]
        out.append((f"{v}: from scratch on {top} grasps <= 0.20", scratch <= 0.20, f"{scratch:.2f}"))
        adapters = c[f"{v}/adapters_{top}"]["success_rate"] - c[f"{v}/finetune_{top}"]["success_rate"]
        what = f"{v}: adapters within 10 points of full fine-tuning"
        out.append((what, adapters >= -0.10, f"{adapters * 100:+.0f}"))
    if s["continual"]:
        last = s["variations"][-1]
        gap = c[f"{last}/continual"]["success_rate"] - c[f"{last}/finetune_{top}"]["success_rate"]
        what = f"continual: last task ({last}) within 7 points of fine-tuning it from base"
        out.append((what, gap >= -0.07, f"{gap * 100:+.0f}"))
    return out


def markdown(result: ExperimentResult, command: str) -> str:
    s, c = result.settings, result.cells
    top = max(s["grasps"])
    n = c["base_task"]["episodes"]
    cols = ["base policy", *(f"fine-tune {g}" for g in s["grasps"]), f"scratch {top}", f"adapters {top}"]
    if s["continual"]:
        cols += ["continual", "continual on base"]
    lines = [
        "# Adaptation to new variations",
        "",
        f"Grasp success on unseen (test) objects, {n} episodes per cell, 95% Wilson intervals; every",
        f"cell uses the same episode seeds. Base policy `{s['base']}`{_id(s)} on the base task:",
        f"**{_ci(c['base_task'])}**. Children: {s['steps']} steps at lr {s['lr']:g}{_adapter_lr(s)}, batch "
        f"{s['batch_size']}",
        f"(half base log `{s['base_log']}`, half the parent's exploration grasps at random-action rate",
        f"{s['exploration']:g}); seed {s['seed']}.{_revision(s)}",
        "",
        "| variation | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for v in s["variations"]:
        row = [c[f"{v}/base_policy"], *(c[f"{v}/finetune_{g}"] for g in s["grasps"])]
        row += [c[f"{v}/scratch_{top}"], c[f"{v}/adapters_{top}"]]
        if s["continual"]:
            row += [c[f"{v}/continual"], c[f"{v}/continual_on_base"]]
        lines.append(f"| {v} | " + " | ".join(_ci(cell) for cell in row) + " |")
    seeds = int(s.get("seeds", 1))
    if seeds > 1:
        runs = {v: " / ".join(f"{x:.2f}" for x in c[f"{v}/finetune_{top}"]["runs"]) for v in s["variations"]}
        each = "; ".join(f"{v} {rates}" for v, rates in runs.items())
        first, last = s["seed"], s["seed"] + seeds - 1
        lines += [
            "",
            f"'fine-tune {top}' pools {seeds} children trained on the same grasps with seeds {first}..{last} "
            f"({seeds} x {n} episodes); each child: {each}. The continual chain starts from the seed-{first} "
            "child.",
        ]
    lines += ["", "## Checks", "", "| check | holds | figure |", "|---|---|---|"]
    lines += [f"| {what} | {'yes' if ok else '**no**'} | {fig} |" for what, ok, fig in checks(result)]
    if s["continual"]:
        order = " -> ".join(["base", *s["variations"]])
        lines += [
            "",
            f"Continual chain: {order}; each node adapts the previous one with {top} grasps.",
            "'continual on base' is the node's base-task success (retention along the chain).",
        ]
    lines += [
        "",
        wall_time_line(result.seconds, result.total_seconds, result.runs),
        "",
        f"Reproduce: `{command}`",
        "",
    ]
    return "\n".join(lines)


def plot(result: ExperimentResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s, c = result.settings, result.cells
    top = max(s["grasps"])
    variations = list(s["variations"])
    fig, axes = plt.subplots(
        1, len(variations), figsize=(3.2 * len(variations), 3.8), sharey=True, squeeze=False
    )
    base = c["base_task"]
    for ax, v in zip(axes[0], variations, strict=True):
        cells = [c[f"{v}/finetune_{g}"] for g in s["grasps"]]
        rate = [x["success_rate"] for x in cells]
        err = error_bars(cells)
        ax.errorbar(s["grasps"], rate, yerr=err, marker="o", capsize=3, label="fine-tuned from base")
        ax.axhline(base["success_rate"], color="green", ls="--", lw=1, label="base policy, base task")
        ax.axhline(
            c[f"{v}/base_policy"]["success_rate"], color="red", ls=":", lw=1, label="base policy, this task"
        )
        extras = (
            (f"scratch_{top}", "x", "from scratch"),
            (f"adapters_{top}", "s", "adapters"),
            ("continual", "^", "continual chain"),
        )
        for key, marker, label in extras:
            cell = c.get(f"{v}/{key}")
            if cell:
                ax.plot([top], [cell["success_rate"]], marker=marker, ls="", label=label)
        log_grasp_axis(ax, s["grasps"])
        ax.set_title(v)
        ax.set_xlabel("exploration grasps")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("grasp success (unseen objects)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(result: ExperimentResult, out_dir: str | Path, command: str) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "adaptation.json", "md": out / "adaptation.md", "png": out / "adaptation.png"}
    paths["json"].write_text(json.dumps(summary(result), indent=2) + "\n")
    paths["md"].write_text(markdown(result, command))
    plot(result, paths["png"])
    return paths
