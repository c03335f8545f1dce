r"""Does picking a child's checkpoint on validation episodes beat promoting its last one?

A child's success moves 15-30 points between checkpoints 500 steps apart (README, "What was tried"). This
takes runs of `benchmarks/adaptation_steps.py` (their OUT/NAME.json holds every checkpoint's success on the
reported episodes: test objects, seeds from 1,000,000), evaluates each of the run's checkpoints on
*validation* episodes that share nothing with the reported ones (by default training objects, seeds from
2,000,000), picks the best (ties: the later step), and compares the reported success of that pick with the
last checkpoint's and with the best one in hindsight.

    .venv/bin/python benchmarks/checkpoint_selection.py --runs 'runs/cosine/*.json' --episodes 50

Prints one line per run and a summary; writes --out (JSON), and skips runs already in it. ~90 s a run at
50 episodes on 2 cores.
"""

from __future__ import annotations

import argparse
import glob
import json
from pathlib import Path
from statistics import mean

from robot_drivers.evaluation import evaluate

VALIDATION_SEED = 2_000_000


def select(validation: dict[int, float]) -> int:
    """The step whose validation success is highest; the later step on a tie."""
    return max(validation, key=lambda step: (validation[step], step))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", action="append", required=True, help="glob of adaptation_steps.py JSONs")
    ap.add_argument("--episodes", type=int, default=50, help="validation episodes per checkpoint")
    ap.add_argument("--objects", default="train", help="the validation episodes' object split")
    ap.add_argument("--seed", type=int, default=VALIDATION_SEED, help="seed of validation episode 0")
    ap.add_argument("--out", default="runs/benchmarks/checkpoint_selection.json")
    args = ap.parse_args()
    paths = sorted({p for pattern in args.runs for p in glob.glob(pattern)})
    if not paths:
        raise SystemExit(f"no run JSONs match {args.runs}")
    out_path = Path(args.out)
    done = json.loads(out_path.read_text()) if out_path.is_file() else {}
    for path in paths:
        run = json.loads(Path(path).read_text())
        test = {int(step): r[0] for step, r in run["evals"].items()}
        train_dir = Path(path).parent / "train" / Path(path).stem / "checkpoints"
        if path in done or len(test) < 2 or not train_dir.is_dir():
            continue
        validation = {}
        for ck in sorted(train_dir.glob("step_*")):
            step = int(ck.name.split("_")[1])
            r = evaluate(ck, run["variation"], args.objects, args.episodes, 2, args.seed, show_progress=False)
            validation[step] = r.rate
        pick, last = select(validation), max(test)
        done[path] = {
            "variation": run["variation"],
            "validation": validation,
            "test": test,
            "picked": pick,
            "test_of_pick": test[pick],
            "test_of_last": test[last],
            "test_best": max(test.values()),
        }
        picked = f"step {pick}: test {test[pick]:.2f} (last {test[last]:.2f})"
        print(f"{path}: validation {validation} -> {picked}")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(done, indent=1) + "\n")
    runs = list(done.values())
    if runs:
        picked, last = mean(r["test_of_pick"] for r in runs), mean(r["test_of_last"] for r in runs)
        best = mean(r["test_best"] for r in runs)
        figures = f"of the pick {picked:.3f}, of the last {last:.3f}, best {best:.3f}"
        print(f"{len(runs)} runs: reported success {figures}")


if __name__ == "__main__":
    main()
