"""Two rounds of 400 exploration grasps against one round of 800 (the same grasp budget).

Round 1 is the adaptation experiment's own: the base policy's first 400 grasps on the variation trained
`VARIATION__finetune_400`. That child collects 400 more grasps (10% random actions); a second child is
fine-tuned from it, with the recipe's defaults (2,000 steps, lr 1e-4, 50/50 with the base log), on all 800.
It is evaluated on the variation and on the base task (100 test episodes each, the experiments' seeds).

    .venv/bin/python benchmarks/adaptation_rounds.py --variations transparent,offset_gripper

Needs `qtopt experiment adaptation` to have run first (its checkpoints and targets). ~4 min a variation on
2 cores. Prints one JSON line per variation and writes OUT/VARIATION.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from qtopt_finetune.adaptation import AdaptationConfig, finetune_child
from qtopt_finetune.grasp_log import GraspLogReader
from robot_drivers.adaptation import COLLECT_SEED
from robot_drivers.evaluation import evaluate
from robot_drivers.runner import CollectJob, collect

ROUND2_SEED = COLLECT_SEED + 7_000_000  # never shared with the first round, the base log or evaluation


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variations", default="transparent,offset_gripper,harsh_lighting,extended_gripper")
    ap.add_argument("--base-log", default="runs/logs/wide10k")
    ap.add_argument("--experiment", default="runs/experiments/adaptation", help="its work dir")
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--out", default="runs/benchmarks/adaptation_rounds")
    args = ap.parse_args()
    exp, root = Path(args.experiment), Path(args.out)
    for v in args.variations.split(","):
        child1 = exp / "checkpoints" / f"{v}__finetune_400"
        first = exp / "targets" / f"base_{v}_400" / "target_log"
        if not child1.is_dir() or not first.is_dir():
            raise SystemExit(f"{v}: no {child1} or {first}; run `qtopt experiment adaptation` first")
        merged = root / "targets" / v
        if not merged.exists():
            tmp = merged.with_name(merged.name + ".partial")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(first, tmp)
            job = CollectJob(str(tmp), 400, v, str(child1), exploration=0.1, workers=2, seed=ROUND2_SEED)
            collect(job, show_progress=True)
            tmp.rename(merged)
        episodes = GraspLogReader(merged).episodes()
        successes = sum(bool(s) for s in episodes["success"].to_pylist())
        child2 = root / "children" / v
        if not child2.exists():
            config = AdaptationConfig(eval_episodes=0)
            finetune_child(child1, args.base_log, merged, config, child2, root / "train" / v)
        r = evaluate(child2, v, "test", args.episodes, 2, show_progress=False)
        b = evaluate(child2, "base", "test", args.episodes, 2, show_progress=False)
        out = {
            "variation": v,
            "grasps": episodes.num_rows,
            "successes": successes,
            "success": [r.rate, r.low, r.high],
            "base_task": [b.rate, b.low, b.high],
        }
        print(json.dumps(out), flush=True)
        (root / f"{v}.json").write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
