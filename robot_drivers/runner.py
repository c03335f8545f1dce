"""The episode runner: any robot x any policy -> episodes in a grasp log, in parallel over processes.

A robot here is anything with the GraspWorld interface (`reset(seed)`, `step(action)`); the PyBullet world
now, the ROS 2 bridge later. Worker k runs episodes k, k+K, k+2K, ... with episode seed `seed + index`, so
the same job with the same number of workers repeats exactly (with another number of workers, episodes
keep their seeds and outcomes up to pybullet's micrometre-level history; see GraspWorld), and each worker
writes through its own GraspLogWriter (writers never share a file).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qtopt_finetune.cem import CEMConfig
from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogWriter, Step
from qtopt_finetune.spaces import Observation
from robot_drivers.branches import BRANCH_SUFFIX, Branch, BranchConfig, Brancher
from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.policies.base import Policy
from robot_drivers.policies.factory import NAMED_POLICIES, make_policy, policy_id
from robot_drivers.policies.scripted import ScriptedOptions
from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.world import GraspWorld


@dataclass(frozen=True)
class CollectJob:
    out: str | None  # grasp log folder; None runs the episodes without logging them (evaluation)
    episodes: int
    variation: str = "base"
    policy: str = "scripted"
    exploration: float = 0.0  # probability of a uniformly random action at each step (scripted or checkpoint)
    workers: int = 1
    seed: int = 0
    objects: str = "train"
    image_size: int = 64
    image_format: str = "jpeg"
    robot: str = "sim-0"
    # a scripted or random policy leaves descending and closing to the robot (policies/auto_descend.py); a
    # checkpoint trained for that mode gets it anyway
    auto_descend: bool = False
    # the scripted grasper's noise (or noise range) and its shares of correcting, reaching and wandering
    # episodes (robot_drivers/policies/scripted.py); validated when built
    scripted: ScriptedOptions = field(default_factory=ScriptedOptions)
    # branch grasps (robot_drivers/branches.py): tried from each low state, each logged as its own episode
    branches: BranchConfig = field(default_factory=BranchConfig)
    camera: str = "fixed"  # WorldConfig.camera
    appearance: str = "fixed"  # WorldConfig.appearance: "randomized" for diverse pretraining data
    cem: CEMConfig | None = None  # a checkpoint policy's action search; None: QT-Opt's (2 x 64, 6 elites)

    def world_config(self) -> WorldConfig:
        """The world to run in. A checkpoint policy always sees what it learned from: its network's camera
        and image size, whatever `camera` and `image_size` say (they are for the other policies)."""
        config = replace(
            WorldConfig(),
            variation=self.variation,
            objects=self.objects,  # type: ignore[arg-type]
            image_size=self.image_size,
            camera=self.camera,
            appearance=self.appearance,
        )
        if Path(self.policy).is_dir() and self.policy not in NAMED_POLICIES:
            return checkpoint_world(self.policy, config)
        return config


def base_log_job(out: str, episodes: int, seed: int = 0, auto_descend: bool = False) -> CollectJob:
    """A scripted base log as the shipped base policy's recipe collects it (`make base-policy`): each
    episode's noise drawn from [0, 2.5], 10% random actions, train objects, both cores."""
    return CollectJob(
        out,
        episodes,
        workers=2,
        seed=seed,
        scripted=ScriptedOptions(noise=0.0, noise_max=2.5),
        exploration=0.1,
        auto_descend=auto_descend,
    )


@dataclass(frozen=True)
class CollectSummary:
    episodes: int
    successes: int
    transitions: int  # branch grasps' included
    seconds: float
    branches: int = 0  # branch grasps (robot_drivers/branches.py), each its own episode in the log
    branch_successes: int = 0

    @property
    def grasps_per_second(self) -> float:
        return self.episodes / self.seconds if self.seconds > 0 else 0.0


def run_episode(
    world: GraspWorld, policy: Policy, seed: int, before_action: Callable[[Observation], object] | None = None
) -> tuple[list[Step], bool, float]:
    """One episode; returns its steps (observation before each action), success and start time.
    `before_action(obs)` is called before each action (branch grasps try theirs there)."""
    start = time.time()
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    steps: list[Step] = []
    done, info = False, dict[str, Any]()
    while not done:
        if before_action is not None:
            before_action(obs)
        action = policy.act(obs)
        next_obs, reward, done, _, info = world.step(action)
        steps.append(Step(image=obs.image, state=obs.state, action=action, reward=reward, done=done))
        obs = next_obs
    return steps, bool(info["success"]), start


def _worker(
    job: CollectJob, worker: int, progress: Any, parent: int | None = None
) -> tuple[int, int, int, int, int]:
    """Run this worker's share of the episodes; returns (episodes, successes, transitions, branch grasps,
    their successes).

    In a pool, `parent` is the collecting process's pid: a worker whose parent died (killed without the
    chance to stop its pool) stops after the episode it is in, commits what its writer holds and exits
    instead of collecting on as an orphan. Run in the calling process, there is no parent to watch.
    """
    world = GraspWorld(job.world_config())
    policy = make_policy(
        job.policy, world, job.seed + worker, job.exploration, job.auto_descend, job.scripted, job.cem
    )
    pid = policy_id(job.policy, job.exploration, job.auto_descend, job.scripted)
    done = successes = transitions = branched = branch_successes = 0
    camera = world.config.camera
    writer = GraspLogWriter(job.out, image_format=job.image_format, camera=camera) if job.out else None
    brancher = Brancher(job.branches, seed=job.seed + 7_919 * (worker + 1))
    tried: list[Branch] = []

    def log(steps: list[Step], success: bool, start: float, policy_id: str) -> None:
        if writer is not None:
            meta = EpisodeMeta(job.robot, job.variation, policy_id, "sim", start, success)
            writer.add_episode(steps, meta)

    try:
        for index in range(worker, job.episodes, job.workers):
            if parent is not None and os.getppid() != parent:
                break
            tried.clear()
            branch = (lambda obs: tried.extend(brancher(world, obs))) if job.branches.per_state else None
            steps, success, start = run_episode(world, policy, job.seed + index, branch)
            log(steps, success, start, pid)
            for b in tried:  # after their episode: an episode's steps are committed whole, branches too
                log(b.steps, b.success, start, pid + BRANCH_SUFFIX)
            done, successes, transitions = done + 1, successes + success, transitions + len(steps)
            branched += len(tried)
            branch_successes += sum(b.success for b in tried)
            transitions += sum(len(b.steps) for b in tried)
            progress.put((1, int(success)))
    finally:
        if writer is not None:
            writer.close()
    world.close()
    return done, successes, transitions, branched, branch_successes


def collect(job: CollectJob, show_progress: bool = True) -> CollectSummary:
    """Collect `job.episodes` episodes into the grasp log at `job.out`."""
    if job.episodes < 1 or job.workers < 1:
        raise ValueError(f"collect: episodes and workers must be >= 1, got {job.episodes} and {job.workers}")
    job.world_config()  # validate before starting any process
    if job.out:
        Path(job.out).mkdir(parents=True, exist_ok=True)
    workers = min(job.workers, job.episodes)
    job = replace(job, workers=workers)
    start = time.perf_counter()
    ctx = mp.get_context("spawn")
    with _terminate_raises(), ctx.Manager() as manager:
        progress = manager.Queue()
        with ctx.Pool(workers) as pool:
            args = [(job, k, progress, os.getpid()) for k in range(workers)]
            pending = pool.starmap_async(_worker, args)
            desc = f"{'collect' if job.out else 'evaluate'} {job.variation}"
            with tqdm(
                total=job.episodes, desc=desc, unit="grasp", disable=not show_progress, mininterval=1.0
            ) as bar:
                finished = successes = 0
                while not pending.ready() or not progress.empty():
                    try:
                        n, s = progress.get(timeout=0.5)
                    except queue.Empty:
                        continue
                    finished, successes = finished + n, successes + s
                    bar.update(n)
                    bar.set_postfix(success=f"{successes / finished:.2f}", refresh=False)
            results = pending.get()
    episodes, successes, transitions, branched, branch_successes = (
        sum(r[i] for r in results) for i in range(5)
    )
    return CollectSummary(
        episodes, successes, transitions, time.perf_counter() - start, branched, branch_successes
    )


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """SIGTERM raises SystemExit while collecting, so the pool is terminated, not left running orphans.

    Only the main thread may set signal handlers; elsewhere (a service job thread) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def summary_dict(job: CollectJob, summary: CollectSummary) -> dict[str, Any]:
    return {
        "job": asdict(job),
        "episodes": summary.episodes,
        "successes": summary.successes,
        "transitions": summary.transitions,
        "seconds": round(summary.seconds, 2),
        "grasps_per_second": round(summary.grasps_per_second, 3),
        "branches": summary.branches,
        "branch_successes": summary.branch_successes,
    }
