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
import multiprocessing as mp

from qtopt_finetune.cem import CEMConfig
from qtopt_finetune.stats import wilson_interval


def parse_cem(text: str) -> CEMConfig:
    try:
        iterations, samples, elites = (int(x) for x in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--cem wants ITERATIONS,SAMPLES,ELITES, got {text!r}") from exc
    return CEMConfig(iterations=iterations, samples=samples, elites=elites)


def _episodes(checkpoint: str, variation: str, cem: CEMConfig, indices: list[int]) -> int:
    import torch

    from qtopt_finetune.policy import CEMPolicy
    from robot_drivers.checkpoint_world import checkpoint_world
    from robot_drivers.evaluation import EVAL_SEED
    from robot_drivers.runner import run_episode
    from robot_drivers.sim.config import WorldConfig
    from robot_drivers.sim.world import GraspWorld

    torch.set_num_threads(1)
    policy = CEMPolicy.from_checkpoint(checkpoint, cem=cem, seed=0)
    with GraspWorld(checkpoint_world(checkpoint, WorldConfig(variation=variation, objects="test"))) as world:
        return sum(run_episode(world, policy, EVAL_SEED + i)[1] for i in indices)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--variation", default="base")
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cem", type=parse_cem, action="append", help="ITERATIONS,SAMPLES,ELITES (repeatable)")
    args = ap.parse_args()
    settings = args.cem or [CEMConfig(), CEMConfig(iterations=3, samples=256, elites=16)]
    ctx = mp.get_context("spawn")
    with ctx.Pool(args.workers) as pool:
        for cem in settings:
            shares = [list(range(k, args.episodes, args.workers)) for k in range(args.workers)]
            jobs = [(args.checkpoint, args.variation, cem, share) for share in shares]
            successes = sum(pool.starmap(_episodes, jobs))
            low, high = wilson_interval(successes, args.episodes)
            print(
                f"{args.variation} CEM {cem.iterations}x{cem.samples} (elites {cem.elites}): "
                f"{successes / args.episodes:.2f} [{low:.2f}, {high:.2f}] (n={args.episodes})",
                flush=True,
            )


if __name__ == "__main__":
    main()
