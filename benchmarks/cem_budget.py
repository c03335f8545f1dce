r"""Does a policy lose grasps to its CEM? Evaluates one checkpoint with QT-Opt's CEM (2 iterations of 64
samples, 6 elites) and with a larger one, on the same episodes (unseen objects, the evaluation seeds every
experiment uses), so the difference is the optimiser's alone.

    .venv/bin/python benchmarks/cem_budget.py \
        --checkpoint runs/experiments/adaptation_v3/checkpoints/checkerboard__finetune_800 \
        --variation checkerboard --cem 2,64,6 --cem 3,256,16

~30 s per 100 episodes at the default CEM on 2 cores, ~2 min at 3,256,16. Prints one line per CEM setting.
"""

from __future__ import annotations

import argparse

from qtopt_finetune.cem import CEMConfig
from robot_drivers.evaluation import evaluate


def parse_cem(text: str) -> CEMConfig:
    try:
        iterations, samples, elites = (int(x) for x in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--cem wants ITERATIONS,SAMPLES,ELITES, got {text!r}") from exc
    return CEMConfig(iterations=iterations, samples=samples, elites=elites)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--variation", default="base")
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cem", type=parse_cem, action="append", help="ITERATIONS,SAMPLES,ELITES (repeatable)")
    args = ap.parse_args()
    for cem in args.cem or [CEMConfig(), CEMConfig(iterations=3, samples=256, elites=16)]:
        rate = evaluate(
            args.checkpoint, args.variation, "test", args.episodes, args.workers, show_progress=False, cem=cem
        )
        setting = f"CEM {cem.iterations}x{cem.samples} (elites {cem.elites})"
        print(f"{args.variation} {setting}: {rate}", flush=True)


if __name__ == "__main__":
    main()
