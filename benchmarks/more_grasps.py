r"""How success grows with exploration grasps beyond the experiment's 800: a CSV and a plot per variation.

Reads the adaptation experiment's JSON (25 ... 800 grasps, the 800 pooled over its seeds) and any number
of `qtopt adapt --json` reports made with more grasps (the same recipe otherwise), and writes OUT.csv (one
row per measurement, with its 95% Wilson interval, base-task success and steps) and OUT.png (success against
grasps per variation, the base task's success and the band within 10 points of it). Reports of the same
variation, budget and steps (children trained with other seeds on the same grasps) are pooled into one row.

    .venv/bin/qtopt adapt --parent checkpoints/base --variation checkerboard --grasps 4000 --steps 4000 \
        --lr 3e-4 --base-log runs/logs/wrist10k --eval-episodes 100 --out runs/more/checkerboard_4000 --json \
        > runs/more/checkerboard_4000.json
    .venv/bin/python benchmarks/more_grasps.py --experiment results/adaptation.json \
        --reports runs/more/*.json --out results/more_grasps

Reports whose parent is not the experiment's base, or made with another exploration rate or mode than the
experiment's, are refused by name. The measured figures are in the README ("The adaptation experiment").
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from qtopt_finetune.stats import wilson_interval

FIELDS = [
    "variation",
    "grasps",
    "steps",
    "seeds",
    "episodes",
    "success",
    "ci_low",
    "ci_high",
    "base_task",
    "source",
]


def experiment_rows(experiment: dict[str, Any], source: str) -> list[dict[str, Any]]:
    """One row per fine-tune budget of the experiment (the 800 one pooled over its seeds)."""
    steps = experiment["settings"]["steps"]
    rows = []
    for name, v in experiment["variations"].items():
        n = int(v["n"])
        for grasps, rate in v["finetune"].items():
            runs = v.get("finetune_800_runs", [rate]) if grasps == "800" else [rate]
            episodes = n * len(runs)
            low, high = wilson_interval(round(rate * episodes), episodes)
            rows.append(
                {
                    "variation": name,
                    "grasps": int(grasps),
                    "steps": steps,
                    "seeds": len(runs),
                    "episodes": episodes,
                    "success": rate,
                    "ci_low": round(low, 3),
                    "ci_high": round(high, 3),
                    "base_task": "",
                    "source": source,
                }
            )
    return rows


def report_row(report: dict[str, Any], source: str, settings: dict[str, Any]) -> dict[str, Any]:
    config = report["config"]
    if Path(report["parent"]).resolve() != Path(settings["parent"]).resolve():
        raise SystemExit(
            f"{source}: parent {report['parent']}, the experiment's base is {settings['parent']}"
        )
    for key in ("exploration", "mode", "lr"):
        if key in settings and config.get(key) != settings[key]:
            raise SystemExit(f"{source}: {key} {config.get(key)!r}, the experiment used {settings[key]!r}")
    child, base = report["child_on_variation"], report["child_on_base"]
    return {
        "variation": report["variation"],
        "grasps": int(report["grasps"]),
        "steps": int(config["steps"]),
        "seeds": 1,
        "episodes": int(child["episodes"]),
        "success": child["success_rate"],
        "ci_low": round(child["ci_low"], 3),
        "ci_high": round(child["ci_high"], 3),
        "base_task": base["success_rate"],
        "source": source,
    }


def pool_seeds(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reports of one variation, budget and step count (training seeds) become one row: their episodes pooled,
    the Wilson interval over the pool, the base task's success averaged, the sources joined by '+'."""
    groups: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["variation"], row["grasps"], row["steps"]), []).append(row)
    pooled = []
    for (variation, grasps, steps), group in groups.items():
        episodes = sum(r["episodes"] for r in group)
        successes = sum(round(r["success"] * r["episodes"]) for r in group)
        low, high = wilson_interval(successes, episodes)
        pooled.append(
            {
                "variation": variation,
                "grasps": grasps,
                "steps": steps,
                "seeds": sum(r["seeds"] for r in group),
                "episodes": episodes,
                "success": round(successes / episodes, 3),
                "ci_low": round(low, 3),
                "ci_high": round(high, 3),
                "base_task": round(sum(r["base_task"] for r in group) / len(group), 3),
                "source": "+".join(r["source"] for r in group),
            }
        )
    return pooled


def plot(rows: list[dict[str, Any]], experiment: dict[str, Any], out: Path) -> None:
    names = list(experiment["variations"])
    base_task = float(experiment["base_task"])
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4), sharey=True)
    for ax, name in zip(axes, names, strict=True):
        mine = sorted((r for r in rows if r["variation"] == name), key=lambda r: r["grasps"])
        x = [r["grasps"] for r in mine]
        y = [r["success"] for r in mine]
        err = [[r["success"] - r["ci_low"] for r in mine], [r["ci_high"] - r["success"] for r in mine]]
        ax.axhspan(base_task - 0.10, base_task, color="tab:green", alpha=0.15, label="within 10 of base task")
        ax.axhline(base_task, color="tab:green", linestyle="--", linewidth=1, label="base policy, base task")
        ax.axhline(
            experiment["variations"][name]["base_policy"],
            color="grey",
            linestyle=":",
            label="base policy here",
        )
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color="tab:blue", label="fine-tuned child")
        ax.set_xscale("log")
        ax.set_title(name)
        ax.set_xlabel("exploration grasps")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("success (95% Wilson)")
    axes[0].legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--experiment", default="results/adaptation.json")
    ap.add_argument("--reports", nargs="+", required=True, help="`qtopt adapt --json` reports")
    ap.add_argument("--out", default="results/more_grasps", help="writes OUT.csv and OUT.png")
    args = ap.parse_args()
    experiment = json.loads(Path(args.experiment).read_text())
    recorded = experiment["settings"]
    settings = {
        "parent": recorded["base"],
        "lr": recorded["lr"],
        "exploration": recorded["exploration"],
        "mode": "full",
    }
    rows = experiment_rows(experiment, args.experiment)
    reported = []
    for path in args.reports:
        report = json.loads(Path(path).read_text())
        if report["variation"] not in experiment["variations"]:
            raise SystemExit(f"{path}: variation {report['variation']!r} is not in {args.experiment}")
        reported.append(report_row(report, Path(path).name, settings))
    rows += pool_seeds(reported)
    rows.sort(key=lambda r: (list(experiment["variations"]).index(r["variation"]), r["grasps"]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_suffix(".csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, experiment, out.with_suffix(".png"))
    for r in rows:
        interval = f"[{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
        print(f"{r['variation']:>16} {r['grasps']:>5} grasps: {r['success']:.2f} {interval}")
    print(f"wrote {out.with_suffix('.csv')} and {out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
