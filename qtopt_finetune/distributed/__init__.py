"""Distributed fine-tuning on Ray core actors: replay shards, Bellman updaters, a learner, a registry.

Ray is imported only when a job runs, so `qtopt_finetune` imports without it. Entry points:
`DistributedJobConfig` (one job), `FinetuneDriver` / `run_job` (run it), `read_job_state` (what a running
or finished job last wrote to `<run_dir>/job_state.json`).
"""

from qtopt_finetune.distributed.config import DistributedJobConfig
from qtopt_finetune.distributed.driver import FinetuneDriver, run_job
from qtopt_finetune.distributed.job_state import JobState, read_job_state

__all__ = ["DistributedJobConfig", "FinetuneDriver", "JobState", "read_job_state", "run_job"]
