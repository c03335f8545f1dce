r"""How much does a variation at a given severity cost a policy? Evaluates a checkpoint on one variation with
its severity changed (a checkerboard's muting or cell count, the transparent tint, the finger length, the
gripper offset), 100 test episodes by default, the experiments' evaluation seeds.

    .venv/bin/python benchmarks/variation_severity.py --variation offset_gripper --offset 0.08
    .venv/bin/python benchmarks/variation_severity.py --variation checkerboard --muting 0.6 --cells 8
    .venv/bin/python benchmarks/variation_severity.py --variation checkerboard --black-and-white
    .venv/bin/python benchmarks/variation_severity.py --variation transparent --tint 0.85

Revision 2's severities were chosen with it (README, "The simulated grasping world"). The severity is passed
to the evaluation's worker processes through the environment: they import this file as their main module
and apply it before building a world (the mat's texture file is named by its colours, so each severity
renders its own).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from robot_drivers.sim import scene, variations
from robot_drivers.sim.variations import VariationParams

ENV = "QTOPT_VARIATION_SEVERITY"


def _setting(field: str, value: float) -> Callable[[VariationParams], VariationParams]:
    changes: dict[str, Any] = {field: value}
    return lambda params: replace(params, **changes)


def apply_severity(severity: dict[str, Any]) -> None:
    """Change this process's definition of the variations to `severity` (only what it names)."""
    for key, name, field in (
        ("offset", "offset_gripper", "gripper_offset"),
        ("finger", "extended_gripper", "finger_length_scale"),
    ):
        if key in severity:
            old = variations.VARIATIONS[name]
            variations.VARIATIONS[name] = replace(old, apply=_setting(field, float(severity[key])))
    if "tint" in severity:
        scene.TRANSPARENT_TINT = float(severity["tint"])
    if {"muting", "cells", "black_and_white"} & set(severity):
        scene.CHECKERBOARD_CELLS = int(severity.get("cells", scene.CHECKERBOARD_CELLS))
        if severity.get("black_and_white"):
            scene.CHECKERBOARD_COLOURS = np.array([[250, 250, 250], [20, 20, 20]], dtype=np.uint8)
        else:
            muting = float(severity.get("muting", scene.CHECKERBOARD_MUTING))
            scene.CHECKERBOARD_COLOURS = scene.muted_checkerboard_colours(muting)


if ENV in os.environ:  # an evaluation worker: the severity its parent measures
    apply_severity(json.loads(os.environ[ENV]))


def main() -> None:
    from robot_drivers.evaluation import evaluate

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default="checkpoints/base")
    ap.add_argument("--variation", required=True, choices=[v for v in variations.VARIATIONS if v != "base"])
    ap.add_argument("--offset", type=float, help="offset_gripper: metres off the wrist axis")
    ap.add_argument("--finger", type=float, help="extended_gripper: finger length scale")
    ap.add_argument("--tint", type=float, help="transparent: share of the way to the floor's tone")
    ap.add_argument("--muting", type=float, help="checkerboard: share of the way to the floor's tone")
    ap.add_argument("--cells", type=int, help="checkerboard: cells per side")
    ap.add_argument("--black-and-white", action="store_true", help="checkerboard: black and white cells")
    ap.add_argument("--episodes", type=int, default=100)
    args = ap.parse_args()
    severity = {
        k: v
        for k, v in {
            "offset": args.offset,
            "finger": args.finger,
            "tint": args.tint,
            "muting": args.muting,
            "cells": args.cells,
            "black_and_white": args.black_and_white or None,
        }.items()
        if v is not None
    }
    os.environ[ENV] = json.dumps(severity)
    apply_severity(severity)
    rate = evaluate(args.checkpoint, args.variation, "test", args.episodes, 2, show_progress=False)
    print(
        json.dumps({"variation": args.variation, "severity": severity, "checkpoint": args.checkpoint}), rate
    )


if __name__ == "__main__":
    main()
