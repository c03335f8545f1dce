"""The forgetting matrix: success of every checkpoint of a chain (rows) on every variation (columns), with
95% Wilson intervals; written as CSV, a PNG heat map and a self-contained HTML page."""

from __future__ import annotations

import csv
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qtopt_finetune.stats import SuccessRate, success_rate
from robot_drivers.replay.chain import LineageStep

CSV_NAME, PNG_NAME, HTML_NAME, JSON_NAME = "forgetting.csv", "forgetting.png", "index.html", "forgetting.json"
CSV_FIELDS = (
    "row",
    "checkpoint_id",
    "checkpoint",
    "variation",
    "episodes",
    "successes",
    "success_rate",
    "ci_low",
    "ci_high",
)


@dataclass
class ForgettingMatrix:
    chain: list[LineageStep]
    variations: list[str]
    episodes: int
    seed: int
    objects: str = "test"
    counts: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)  # (episodes, successes)
    gifs: dict[tuple[int, str], str] = field(default_factory=dict)  # file names, relative to the folder

    def add(self, row: int, variation: str, episodes: int, successes: int) -> None:
        done, hits = self.counts.get((row, variation), (0, 0))
        self.counts[(row, variation)] = (done + episodes, hits + successes)

    def rate(self, row: int, variation: str) -> SuccessRate:
        done, hits = self.counts.get((row, variation), (0, 0))
        return success_rate(hits, done)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for r, step in enumerate(self.chain):
            for v in self.variations:
                rate = self.rate(r, v)
                out.append(
                    {
                        "row": r,
                        "checkpoint_id": step.id,
                        "checkpoint": step.name,
                        "variation": v,
                        "episodes": rate.episodes,
                        "successes": rate.successes,
                        "success_rate": round(rate.rate, 4),
                        "ci_low": round(rate.low, 4),
                        "ci_high": round(rate.high, 4),
                    }
                )
        return out

    # ----- files -----

    def write(self, folder: str | Path, command: str = "") -> dict[str, Path]:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "csv": self.write_csv(out / CSV_NAME),
            "json": self.write_json(out / JSON_NAME, command),
            "png": self.write_heatmap(out / PNG_NAME),
        }
        paths["html"] = self.write_html(out / HTML_NAME, command)
        return paths

    def write_csv(self, path: Path) -> Path:
        tmp = path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(self.rows())
        tmp.replace(path)
        return path

    def write_json(self, path: Path, command: str) -> Path:
        data = {
            "chain": [step.__dict__ for step in self.chain],
            "variations": self.variations,
            "episodes_per_cell": self.episodes,
            "seed": self.seed,
            "objects": self.objects,
            "command": command,
            "cells": self.rows(),
            "gifs": {f"{r}/{v}": name for (r, v), name in self.gifs.items()},
        }
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(path)
        return path

    def write_heatmap(self, path: Path) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

        grid = np.array([[self.rate(r, v).rate for v in self.variations] for r in range(len(self.chain))])
        fig, ax = plt.subplots(
            figsize=(1.6 + 1.5 * len(self.variations), 1.2 + 0.6 * len(self.chain)), squeeze=True
        )
        image = ax.imshow(grid, vmin=0.0, vmax=1.0, cmap="RdYlGn", aspect="auto")
        ax.set_xticks(range(len(self.variations)), self.variations, rotation=30, ha="right")
        ax.set_yticks(range(len(self.chain)), [f"{i}: {s.name}" for i, s in enumerate(self.chain)])
        for r in range(len(self.chain)):
            for c, v in enumerate(self.variations):
                rate = self.rate(r, v)
                label = f"{rate.rate:.2f}\n[{rate.low:.2f}, {rate.high:.2f}]"
                ax.text(c, r, label, ha="center", va="center", fontsize=7)
        ax.set_title(
            f"Grasp success per checkpoint and variation (n={self.episodes} per cell, {self.objects})"
        )
        fig.colorbar(image, ax=ax, fraction=0.04, label="success")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path

    def write_html(self, path: Path, command: str) -> Path:
        head = "".join(f"<th>{html.escape(v)}</th>" for v in self.variations)
        body = []
        for r, step in enumerate(self.chain):
            cells = []
            for v in self.variations:
                rate = self.rate(r, v)
                hue = int(120 * rate.rate)  # red (0) to green (120)
                text = f"{rate.rate:.2f}<br><small>[{rate.low:.2f}, {rate.high:.2f}]</small>"
                gif = self.gifs.get((r, v))
                if gif:
                    text += f'<br><a href="{html.escape(gif)}">grasps (GIF)</a>'
                cells.append(f'<td style="background:hsl({hue},70%,75%)">{text}</td>')
            name = f"{r}: {html.escape(step.name)} <code>{html.escape(step.id[:8])}</code>"
            body.append(f"<tr><th>{name}</th>{''.join(cells)}</tr>")
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lineage replay: {html.escape(self.chain[-1].name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.4em .7em;text-align:center}}th{{background:#eee}}</style></head>
<body><h1>Lineage replay: {html.escape(self.chain[-1].name)}</h1>
<p>Every checkpoint of the chain (root first) on every variation: grasp success with 95% Wilson intervals,
{self.episodes} episodes per cell on {html.escape(self.objects)} objects, the same episode seeds
({self.seed}...{self.seed + self.episodes - 1}) in every cell.</p>
<table><thead><tr><th>checkpoint</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>
<p><img src="{PNG_NAME}" alt="forgetting matrix heat map"></p>
<p>Data: <a href="{CSV_NAME}">{CSV_NAME}</a>, <a href="{JSON_NAME}">{JSON_NAME}</a>.
Reproduce: <code>{html.escape(command)}</code></p>
</body></html>
"""
        tmp = path.with_suffix(".html.tmp")
        tmp.write_text(page)
        tmp.replace(path)
        return path
