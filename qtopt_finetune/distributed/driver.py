"""The job driver: runs a whole distributed fine-tuning job from one `DistributedJobConfig`.

    registry <- learner actor (GPU when the cluster has one) <- labelled batches <- Bellman updaters
                                                                                    <- replay shards
    collectors (optional): evaluate the final checkpoint in a world the caller's `SimRunner` drives

It writes `<run_dir>/job_state.json` (phase, step, metrics, last checkpoint, restarts) as it goes. A dead
updater, replay shard or collector is replaced and the job goes on; a dead learner is restarted from its
last checkpoint (the step counter goes on from there). `cancel()`, or a `CANCEL` file in the run folder,
stops the job cleanly: the step in flight finishes, a checkpoint is written, the actors are stopped.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtopt_finetune.distributed.actors import kill_quietly, learner_gpus, spawn
from qtopt_finetune.distributed.collector import SimRunner, collector_pool, run_collectors
from qtopt_finetune.distributed.config import DistributedJobConfig
from qtopt_finetune.distributed.job_state import JobState
from qtopt_finetune.distributed.learner_actor import LearnerActor
from qtopt_finetune.distributed.pipeline import ActorPool, LabelPipeline
from qtopt_finetune.distributed.ray_session import ray_session
from qtopt_finetune.distributed.registry import WeightRegistry
from qtopt_finetune.distributed.replay import ReplayShard
from qtopt_finetune.distributed.updater import BellmanUpdater
from qtopt_finetune.grasp_log import GraspLogReader
from qtopt_finetune.pretrain import data_manifest
from qtopt_finetune.stats import success_rate

# Called after every learner step with the job state; return True to cancel the job.
OnStep = Callable[[JobState], bool | None]
LEARNER_PIPELINE_DEPTH = 2  # train calls queued on the learner, so it never waits for the driver
STATE_WRITE_INTERVAL_S = 0.5


def check_logs(job: DistributedJobConfig) -> dict[str, Any]:
    """Open every log once (before Ray starts): each must hold transitions. -> the data manifest."""
    readers = [GraspLogReader(path) for path in job.logs]
    try:
        for reader in readers:
            if reader.num_transitions == 0:
                raise ValueError(f"finetune-distributed: logs: {reader.root} holds no transitions")
        return data_manifest(readers, job.mix)
    finally:
        for reader in readers:
            reader.close()


class FinetuneDriver:
    def __init__(
        self,
        config: DistributedJobConfig,
        sim_runner: SimRunner | None = None,
        on_step: OnStep | None = None,
    ) -> None:
        self.config = config
        self.sim_runner = sim_runner
        self.on_step = on_step
        self.state = JobState(steps=config.steps)
        self._cancel = threading.Event()
        self._last_write = 0.0
        self._spawned_updaters = 0
        self.ray: Any = None
        self.registry: Any = None
        self.learner: Any = None
        self.learner_info: dict[str, Any] = {}
        self.updaters: ActorPool | None = None
        self.replays: ActorPool | None = None
        self.pipeline: LabelPipeline | None = None
        self.collectors: ActorPool | None = None  # while evaluating

    # ----- control from outside -----

    def cancel(self) -> None:
        """Ask the job to stop cleanly (thread-safe); `run` returns with phase 'cancelled'."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set() or self.config.cancel_path.exists()

    # ----- the job -----

    def run(self) -> JobState:
        """Run the job to its end (done or cancelled) and return the final state; raises on failure."""
        cfg = self.config
        if Path(cfg.out).exists():
            raise FileExistsError(
                f"finetune-distributed: out: {cfg.out} exists; checkpoints are never overwritten"
            )
        manifest = check_logs(cfg)
        cfg.cancel_path.unlink(missing_ok=True)
        self._write(force=True)
        try:
            with ray_session(cfg.run_dir, cfg.ray_address, self._cpus_needed()) as ray:
                self.ray = ray
                try:
                    self._start(manifest)
                    self._train_and_save()
                    self._evaluate_if_asked()
                finally:
                    self._stop_actors()
        except BaseException as exc:
            self.state.phase = "failed"
            self.state.error = f"{type(exc).__name__}: {exc}"
            self._write(force=True)
            raise
        self.state.phase = "cancelled" if self.cancelled() else "done"
        cfg.cancel_path.unlink(missing_ok=True)
        self._write(force=True)
        return self.state

    def _cpus_needed(self) -> float:
        cfg = self.config
        collectors = cfg.collectors if cfg.eval_episodes and self.sim_runner else 0
        return cfg.actor_cpus * (1 + cfg.updaters) + collectors

    def _start(self, manifest: dict[str, Any]) -> None:
        ray, cfg = self.ray, self.config
        self.state.ray_address = ray.get_runtime_context().gcs_address
        self.registry = spawn(ray, WeightRegistry)
        gpus = learner_gpus(ray, cfg.learner_gpus)
        self._manifest, self._learner_gpus = manifest, gpus
        self.learner = self._spawn_learner()
        self.replays = ActorPool(ray, self._spawn_replay, cfg.replay_shards, "replay shard", cfg.max_restarts)
        self.updaters = ActorPool(ray, self._spawn_updater, cfg.updaters, "updater", cfg.max_restarts)
        self.pipeline = LabelPipeline(ray, self.updaters, self.replays, cfg.queue_size)
        self.state.phase = "training"
        self._write(force=True)

    def _spawn_learner(self) -> Any:
        cfg, device = self.config, "cuda" if self._learner_gpus > 0 else "cpu"
        threads = max(1, int(cfg.actor_cpus))
        args = (cfg, self._manifest, self.registry, device, threads)
        learner = spawn(self.ray, LearnerActor, *args, num_cpus=cfg.actor_cpus, num_gpus=self._learner_gpus)
        self.learner_info = self.ray.get(learner.info.remote())  # waits until it has published its weights
        self.state.step = self.learner_info["step"]
        return learner

    def _spawn_replay(self, shard: int) -> Any:
        cfg = self.config
        bellman = cfg.learner.bellman
        gamma = (
            bellman.gamma if bellman.mc_lower_bound else None
        )  # batches carry returns when bounded by them
        window = cfg.learner.sample_window
        args = (list(cfg.logs), cfg.mix, cfg.batch_size, cfg.seed, shard, cfg.replay_shards, 2, gamma, window)
        return spawn(self.ray, ReplayShard, *args)

    def _spawn_updater(self, slot: int) -> Any:
        cfg = self.config
        self._spawned_updaters += 1
        seed = cfg.seed * 1_000_003 + self._spawned_updaters
        info = self.learner_info
        args = (info["network"], info["bellman"], self.registry, seed, max(1, int(cfg.actor_cpus)))
        return spawn(self.ray, BellmanUpdater, *args, num_cpus=cfg.actor_cpus)

    # ----- training -----

    def _train_and_save(self) -> None:
        """Train to `steps`; then write the final checkpoint (or, cancelled, a periodic one)."""
        while True:
            self._train()
            if self.state.step < self.config.steps and not self.cancelled():
                continue  # the learner died while its last steps drained: train the rest
            try:
                if self.cancelled():
                    self.state.last_checkpoint = self.ray.get(self.learner.save.remote())
                else:
                    self.state.final_checkpoint = self.ray.get(self.learner.save.remote(self.config.out))
                return
            except self.ray.exceptions.RayActorError:
                self._restart_learner()

    def _train(self) -> None:
        ray, cfg = self.ray, self.config
        assert self.pipeline is not None
        training: deque[Any] = deque()
        while self.state.step < cfg.steps and not self.cancelled():
            self.pipeline.fill()
            while len(training) < LEARNER_PIPELINE_DEPTH and self.state.step + len(training) < cfg.steps:
                item = self.pipeline.take()
                if item is None:
                    break
                training.append(self.learner.train.remote(item[1]))
                self.state.labelled_transitions += int(item[0]["transitions"])
            waiting = [*list(training)[:1], *self.pipeline.pending]
            if not waiting:
                continue
            done, _ = ray.wait(waiting, num_returns=1, timeout=0.5)
            self.pipeline.collect([ref for ref in done if ref in self.pipeline.pending])
            if training and training[0] in done:
                self._on_trained(training)
        self._drain(training)

    def _on_trained(self, training: deque[Any]) -> None:
        try:
            result = self.ray.get(training.popleft())
        except self.ray.exceptions.RayActorError:
            training.clear()  # the rest was queued on the dead learner
            self._restart_learner()
            return
        self.state.step = int(result.pop("step"))
        self.state.last_checkpoint = result.pop("checkpoint") or self.state.last_checkpoint
        self.state.metrics = {k: float(v) for k, v in result.items()}
        if self.on_step is not None and self.on_step(self.state):
            self.cancel()
        self._write()

    def _drain(self, training: deque[Any]) -> None:
        """Let the steps queued on the learner finish (a cancelled job stops after them)."""
        while training:
            self._on_trained(training)

    def _restart_learner(self) -> None:
        cfg = self.config
        if self.state.restarts["learner"] >= cfg.max_restarts:
            raise RuntimeError(f"the learner died more than max_restarts={cfg.max_restarts} times")
        kill_quietly(self.ray, self.learner)
        self.state.restarts["learner"] += 1
        self.learner = self._spawn_learner()
        self.state.resumed_from.append(self.state.step)
        self._write(force=True)

    # ----- evaluation -----

    def _evaluate_if_asked(self) -> None:
        cfg = self.config
        if self.cancelled() or not cfg.eval_episodes or self.sim_runner is None:
            return
        assert self.state.final_checkpoint is not None
        self.state.phase = "evaluating"
        self._write(force=True)
        pool = collector_pool(self.ray, self.sim_runner, cfg.collectors, cfg.max_restarts)
        self.collectors = pool
        try:
            episodes, successes = run_collectors(
                self.ray, pool, self.state.final_checkpoint, cfg.eval_episodes
            )
        finally:
            self.state.restarts["collector"] += pool.restarts
            pool.kill_all()
        rate = success_rate(successes, episodes)
        self.state.evaluation = {
            "episodes": episodes,
            "success": rate.rate,
            "low": rate.low,
            "high": rate.high,
        }

    # ----- bookkeeping -----

    def _stop_actors(self) -> None:
        if self.learner is not None:
            with contextlib.suppress(Exception):  # dead or stuck: killed below either way
                self.ray.get(self.learner.close.remote(), timeout=30)
            kill_quietly(self.ray, self.learner)
        for pool in (self.updaters, self.replays):
            if pool is not None:
                pool.kill_all()
        if self.updaters is not None:
            self.state.restarts["updater"] = self.updaters.restarts
        if self.registry is not None:
            kill_quietly(self.ray, self.registry)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.updaters is not None:
            self.state.restarts["updater"] = self.updaters.restarts
        if force or now - self._last_write >= STATE_WRITE_INTERVAL_S:
            self.state.write(self.config.state_path)
            self._last_write = now


def run_job(
    config: DistributedJobConfig, sim_runner: SimRunner | None = None, on_step: OnStep | None = None
) -> JobState:
    """Run a distributed fine-tuning job (local Ray unless `config.ray_address`); returns its final state."""
    return FinetuneDriver(config, sim_runner, on_step).run()
