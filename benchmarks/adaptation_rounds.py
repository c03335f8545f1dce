r"""R rounds of G/R exploration grasps against one round of G (the same grasp budget).

Round 1: the base policy collects G/R grasps on the variation (10% random actions, the experiment's
exploration seeds) and a child is fine-tuned from the base on them (50/50 with the base log). Each later
round: the latest child collects the next G/R grasps into the same target log, and a new child is fine-tuned
from the base on all of them, so the last child has trained exactly like a one-round child on G grasps; only
who collected them differs (children that grasp better collect more successes). The last child is evaluated
on the variation and on the base task (100 test episodes each, the experiments' evaluation seeds).

    .venv/bin/python benchmarks/adaptation_rounds.py --variations checkerboard,offset_gripper \
        --rounds 4 --lr 3e-4 --base-log runs/logs/wrist10k

~2.5 min a round on 2 cores. Prints one JSON line per variation and writes OUT/VARIATION_rR.json. Compare with
`qtopt experiment adaptation --grasps 800` run with the same --lr and --steps (its finetune_800 cells).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from qtopt_finetune.adaptation import AdaptationConfig, finetune_child
from qtopt_finetune.grasp_log import GraspLogReader
from robot_drivers.adaptation import COLLECT_SEED
from robot_drivers.evaluation import evaluate
from robot_drivers.runner import CollectJob, collect


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variations", default="checkerboard,offset_gripper")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--grasps", type=int, default=800, help="exploration grasps over all rounds")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--base", default="checkpoints/base")
    ap.add_argument("--base-log", default="logs/base")
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="runs/benchmarks/adaptation_rounds")
    args = ap.parse_args()
    if args.rounds < 1 or args.grasps < args.rounds:
        raise SystemExit(f"need 1 <= --rounds <= --grasps, got {args.rounds} and {args.grasps}")
    config = AdaptationConfig(steps=args.steps, lr=args.lr, eval_episodes=0)
    for v in args.variations.split(","):
        root = Path(args.out) / f"{v}_r{args.rounds}"
        target = root / "target_log"
        policy, history = args.base, []
        start = time.perf_counter()
        for r in range(1, args.rounds + 1):
            want = args.grasps * r // args.rounds
            have = GraspLogReader(target).num_episodes if (target / "meta" / "info.json").is_file() else 0
            if want > have:  # a rerun goes on from the grasps on disk
                job = CollectJob(
                    str(target),
                    want - have,
                    v,
                    policy,
                    exploration=0.1,
                    workers=args.workers,
                    seed=COLLECT_SEED + have,
                )
                collect(job, show_progress=True)
            episodes = GraspLogReader(target).episodes()
            successes = sum(bool(s) for s in episodes["success"].to_pylist())
            history.append({"round": r, "grasps": episodes.num_rows, "successes": successes})
            child = root / f"child_{r}"
            if not child.exists():
                finetune_child(args.base, args.base_log, target, config, child, root / f"train_{r}")
            policy = str(child)
            print(f"{v} round {r}: {episodes.num_rows} grasps, {successes} successes", flush=True)
        rate = evaluate(policy, v, "test", args.episodes, args.workers, show_progress=False)
        base = evaluate(policy, "base", "test", args.episodes, args.workers, show_progress=False)
        out = {
            "variation": v,
            "rounds": history,
            "steps": args.steps,
            "lr": args.lr,
            "success": [rate.rate, rate.low, rate.high],
            "base_task": [base.rate, base.low, base.high],
            "seconds": round(time.perf_counter() - start, 1),
        }
        print(json.dumps(out), flush=True)
        (Path(args.out) / f"{v}_r{args.rounds}.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
