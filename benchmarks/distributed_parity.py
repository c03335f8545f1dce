"""Does the distributed job learn as well as the single-process learner on the same data and steps?

The synthetic blob task (`qtopt_finetune/synthetic_batches.py`): two-step episodes (a move with reward 0,
then a grasp that succeeds iff dx points at the bright blob), so half the targets bootstrap through CEM on
the lagged target networks. The same log, network, learner settings, seed and number of steps go to
`pretrain` (one process) and to the distributed job (local Ray, 2 updaters). Each final checkpoint's
CEM policy is scored on fresh images: success = dx has the blob's sign, with a 95% Wilson interval.

    .venv/bin/python benchmarks/distributed_parity.py [--quick] [--steps 600]

Last line: `single=... distributed=... overlap=1|0` (overlap: the two intervals overlap).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from qtopt_finetune.bellman import BellmanConfig
from qtopt_finetune.cem import CEMConfig
from qtopt_finetune.distributed import DistributedJobConfig, run_job
from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogWriter, Step
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetworkConfig
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.pretrain import PretrainJob, pretrain
from qtopt_finetune.stats import SuccessRate, success_rate
from qtopt_finetune.synthetic_batches import blob_batch, blob_images

NETWORK = QNetworkConfig(
    image_size=32, tower_channels=(8, 16), merge_size=4, head_channels=(16,), dense_widths=(32,)
)
LEARNER = LearnerConfig(
    lr=1e-3,
    checkpoint_every=0,
    progress=False,
    tensorboard=False,
    target_lag_steps=20,
    bellman=BellmanConfig(cem=CEMConfig(iterations=2, samples=32, elites=4)),
)


def write_log(root: Path, episodes: int) -> None:
    batch = blob_batch(episodes, NETWORK.image_size, np.random.default_rng(0), terminal_fraction=1.0)
    with GraspLogWriter(root, image_format="png", episodes_per_shard=100) as writer:
        for i in range(episodes):
            move = Step(batch.image[i], batch.state[i], batch.action[i] * 0.5, 0.0, False)
            grasp = Step(batch.image[i], batch.state[i], batch.action[i], float(batch.reward[i]), True)
            meta = EpisodeMeta("sim-0", "base", "random", "sim", 1.7e9 + i, bool(batch.reward[i] > 0))
            writer.add_episode([move, grasp], meta)


def score(checkpoint: str | Path, n: int = 400) -> SuccessRate:
    policy = CEMPolicy.from_checkpoint(checkpoint, seed=0)
    rng = np.random.default_rng(7)
    sides = rng.integers(0, 2, n)
    states = np.zeros((n, 2), np.float32)
    actions = policy.act_batch(blob_images(sides, NETWORK.image_size, rng), states)
    return success_rate(int(np.sum((actions[:, 0] > 0) == (sides == 1))), n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args()
    steps = args.steps or (40 if args.quick else 400)
    work = Path(tempfile.mkdtemp(prefix="qp_", dir="/tmp"))
    try:
        write_log(work / "log", 200 if args.quick else 600)
        logs = [str(work / "log")]
        start = time.perf_counter()
        single = pretrain(
            PretrainJob(logs, steps, str(work / "single"), str(work / "rs"), None, 32, 0, NETWORK, LEARNER)
        )
        single_s = time.perf_counter() - start
        job = DistributedJobConfig(
            logs,
            steps,
            str(work / "dist"),
            str(work / "rd"),
            batch_size=32,
            network=NETWORK,
            learner=LEARNER,
            updaters=2,
            actor_cpus=0.5,
            sync_every=5,
        )
        start = time.perf_counter()
        state = run_job(job)
        dist_s = time.perf_counter() - start
        a, b = score(single), score(str(state.final_checkpoint))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"# {steps} steps, batch 32, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"# single-process {single_s:.0f} s: {a}; distributed {dist_s:.0f} s (incl. Ray start): {b}")
    overlap = int(a.low <= b.high and b.low <= a.high)
    print(f"single={a.rate:.3f} distributed={b.rate:.3f} overlap={overlap}")


if __name__ == "__main__":
    main()
