"""Where jobs run: a background thread in the service (default) or a Ray task (local Ray by default).

One job at a time per service: the pipeline already uses every core it is given. On start, the manager
recovers: jobs caught mid-stage by a restart are marked failed with the reason, queued jobs are run.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qtopt_finetune.distributed.ray_session import local_temp_dir
from services.db.models import RUNNING_STATES, AdaptationJob, JobState, utcnow
from services.db.session import make_engine, make_sessionmaker, session_scope
from services.jobs.execute import execute_job, mark_failed
from services.jobs.protocol import AdaptationPipeline
from services.jobs.sim_pipeline import SimAdaptationPipeline
from services.settings import ServiceSettings

log = logging.getLogger(__name__)


def _run_in_ray_worker(url: str, job_id: int, data_dir: str, base_log: str | None) -> str:
    engine = make_engine(url)
    try:
        state = execute_job(make_sessionmaker(engine), job_id, SimAdaptationPipeline(), data_dir, base_log)
    finally:
        engine.dispose()
    return state.value


class JobManager:
    def __init__(
        self,
        settings: ServiceSettings,
        sessions: sessionmaker[Session],
        pipeline: AdaptationPipeline | None = None,
    ) -> None:
        self.settings, self.sessions = settings, sessions
        self.pipeline = pipeline or SimAdaptationPipeline()
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adaptation")
        self._futures: list[Future[Any]] = []
        self._ray_started = False

    def recover(self) -> list[int]:
        """Mark jobs that were mid-stage at the last stop as failed; re-submit queued ones."""
        with session_scope(self.sessions) as session:
            jobs = session.scalars(select(AdaptationJob).where(AdaptationJob.state.in_(RUNNING_STATES))).all()
            for job in jobs:
                job.error = f"the service restarted while the job was {job.state.value}; it was not resumed"
                job.state, job.finished_at, job.updated_at = JobState.failed, utcnow(), utcnow()
            queued = session.scalars(select(AdaptationJob.id).where(AdaptationJob.state == JobState.queued))
            queued_ids = list(queued)
        for job_id in queued_ids:
            self.submit(job_id)
        return [job.id for job in jobs]

    def submit(self, job_id: int) -> None:
        """Queue the job on the manager's one job thread; it runs here or, with the ray backend, as a Ray task
        (the thread waits for it, so jobs still run one at a time and a request never waits for Ray)."""
        if not self.settings.run_jobs:
            return  # queued for a service that runs jobs
        if self.settings.job_backend == "ray":
            future = self._threads.submit(self._run_on_ray, job_id)
        else:
            future = self._threads.submit(
                execute_job,
                self.sessions,
                job_id,
                self.pipeline,
                self.settings.data_dir,
                self.settings.base_log,
            )
        self._futures.append(future)

    def _ray(self) -> Any:
        import ray

        if not ray.is_initialized():
            if self.settings.ray_address:
                ray.init(address=self.settings.ray_address, log_to_driver=False)
            else:  # embedded local Ray, its temp dir in the data folder when short enough for its sockets
                temp = local_temp_dir(self.settings.data_dir)
                ray.init(_temp_dir=str(temp), include_dashboard=False, log_to_driver=False)
            self._ray_started = True
        return ray

    def _run_on_ray(self, job_id: int) -> str:
        try:
            ray = self._ray()
            remote = ray.remote(num_cpus=1)(_run_in_ray_worker)
            url, data_dir, base_log = (
                self.settings.database_url,
                self.settings.data_dir,
                self.settings.base_log,
            )
            return str(ray.get(remote.remote(url, job_id, data_dir, base_log)))
        except Exception as exc:  # Ray itself failed (no cluster, a lost worker): the job must not hang
            mark_failed(self.sessions, job_id, f"on Ray: {type(exc).__name__}: {exc}")
            raise

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every submitted job (tests and shutdown)."""
        for future in list(self._futures):
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._ray_started:
            import ray

            ray.shutdown()
