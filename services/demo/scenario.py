"""The main job end to end, headless: the shipped base policy is champion; simulated robots grasp on the
base task; they meet a variation and success drops; an operator triggers an adaptation through the API; the
child trains on local Ray; it is promoted if it beats its parent; the robots pick it up and success recovers.

Everything runs for real on embedded defaults: the service (FastAPI + SQLite) on 127.0.0.1, local Ray for
the job, the PyBullet world for the robots. Each demo gets a fresh folder under `runs/demo/`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import httpx

from qtopt_finetune.stats import SuccessRate, success_rate
from services.demo.phases import grasp_phase

FINISHED = {"done", "failed", "cancelled"}
Log = Callable[[str], None]


@dataclass(frozen=True)
class DemoConfig:
    champion: str = "checkpoints/base"
    variation: str = "transparent"
    robots: int = 2
    grasps_per_phase: int = 200  # base task, variation before, variation after: each
    exploration_grasps: int = 800
    train_steps: int = 3000
    batch_size: int = 64
    lr: float = 1e-4
    eval_episodes: int = 200
    base_log: str | None = None  # None: logs/base if it exists, else a scripted log made here
    base_log_grasps: int = 500
    port: int | None = None  # None: a free port
    work_dir: str | None = None  # None: runs/demo/<time>
    seed: int = 7_000_000
    job_timeout_s: float = 3600.0
    promote: Literal["if_better", "always"] = "if_better"  # the operator's rule for the child

    def __post_init__(self) -> None:
        from qtopt_finetune.checkpoint import read_manifest
        from robot_drivers.sim.variations import parse_variation

        read_manifest(self.champion)
        parse_variation(self.variation)
        if self.variation == "base":
            raise ValueError("variation: the demo needs a variation other than 'base'")
        if min(self.robots, self.grasps_per_phase, self.exploration_grasps, self.train_steps) < 1:
            raise ValueError("robots, grasps_per_phase, exploration_grasps and train_steps must be >= 1")


@dataclass
class DemoSummary:
    dashboard: str
    variation: str
    base_policy: str
    child_policy: str | None
    promoted: bool
    before: dict[str, Any]  # base policy on the base task
    dropped: dict[str, Any]  # base policy on the variation
    recovered: dict[str, Any] | None  # champion after the adaptation, on the variation
    job: dict[str, Any]
    seconds: float
    work_dir: str
    keys: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rate(client: httpx.Client, policy_id: str, variation: str) -> dict[str, Any]:
    response = client.get(
        "/api/success", params={"group_by": "policy", "policy_id": policy_id, "variation": variation}
    )
    response.raise_for_status()
    rows = response.json()
    attempts = sum(r["attempts"] for r in rows)
    rate: SuccessRate = success_rate(sum(r["successes"] for r in rows), attempts)
    return {"success_rate": rate.rate, "ci_low": rate.low, "ci_high": rate.high, "episodes": attempts}


def _base_log(config: DemoConfig, work: Path, log: Log) -> str:
    if config.base_log is not None:
        return config.base_log
    if (Path("logs/base") / "meta" / "info.json").is_file():
        return "logs/base"
    from qtopt_finetune.adapters.loading import network_config_of
    from robot_drivers.runner import base_log_job, collect

    path = work / "base_log"
    log(
        f"no base log given and no logs/base: collecting {config.base_log_grasps} scripted grasps "
        f"(the base policy's recipe) into {path}"
    )
    network = network_config_of(config.champion)  # the log is grasped and seen as the policy grasps and sees
    job = replace(
        base_log_job(str(path), config.base_log_grasps, seed=config.seed, auto_descend=network.auto_descend),
        image_size=network.image_size,
        camera=network.camera,
    )
    collect(job, show_progress=False)
    return str(path)


def _wait_for_job(client: httpx.Client, job_id: int, timeout_s: float, log: Log) -> dict[str, Any]:
    deadline, last = time.monotonic() + timeout_s, ""
    while True:
        job: dict[str, Any] = client.get(f"/api/adaptations/{job_id}").raise_for_status().json()
        line = f"job {job_id}: {job['state']} {job['progress'] * 100:.0f}% {job['detail']}"
        if line != last:
            log(line)
            last = line
        if job["state"] in FINISHED:
            return job
        if time.monotonic() > deadline:
            client.post(f"/api/adaptations/{job_id}/cancel")
            raise TimeoutError(f"adaptation job {job_id} did not finish within {timeout_s:.0f} s")
        time.sleep(1.0)


def run_demo(config: DemoConfig, log: Log = print) -> DemoSummary:
    import uvicorn

    from services.api.app import create_app
    from services.auth.keys import create_key
    from services.cli.fleet import _prepare
    from services.db.models import Role
    from services.db.session import make_engine, make_sessionmaker, session_scope
    from services.settings import ServiceSettings

    start = time.perf_counter()
    work = Path(config.work_dir or f"runs/demo/{time.strftime('%Y%m%d-%H%M%S')}")
    work.mkdir(parents=True, exist_ok=True)
    port = config.port or _free_port()
    settings = ServiceSettings(
        database_url=f"sqlite:///{work / 'qtopt.db'}",
        data_dir=str(work / "service"),
        base_log=_base_log(config, work, log),
        job_backend="ray",
        port=port,
        _env_file=None,  # type: ignore[call-arg]  # the demo's settings are its own, never .env's
    )
    robot_key, viewer_key = _prepare(settings, Path(config.champion))
    engine = make_engine(settings.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        operator_key = create_key(session, "demo-operator", Role.operator)
    engine.dispose()
    base_url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    from robot_drivers.fleet.reporter import wait_for_service

    wait_for_service(base_url, 60)
    log(f"dashboard: {base_url}/dashboard (viewer key {viewer_key})")
    robots = [f"sim-{i}" for i in range(config.robots)]
    cache = str(work / "robot_champions")
    try:
        with httpx.Client(base_url=base_url, headers={"X-API-Key": operator_key}, timeout=30) as api:
            base_id = api.get("/api/policies").raise_for_status().json()[0]["id"]

            def phase(variation: str, seed: int, what: str) -> None:
                log(f"{what}: {config.grasps_per_phase} grasps on '{variation}' by {', '.join(robots)}")
                grasp_phase(base_url, robot_key, robots, variation, config.grasps_per_phase, seed, cache)

            phase("base", config.seed, "the base policy grasps on the base task")
            before = _rate(api, base_id, "base")
            log(f"base task: {before['success_rate']:.2f}")
            phase(config.variation, config.seed + 10_000, f"the robots meet '{config.variation}'")
            dropped = _rate(api, base_id, config.variation)
            log(f"{config.variation}: {dropped['success_rate']:.2f} (was {before['success_rate']:.2f})")
            budget = {
                "exploration_grasps": config.exploration_grasps,
                "train_steps": config.train_steps,
                "batch_size": config.batch_size,
                "lr": config.lr,
                "eval_episodes": config.eval_episodes,
                "workers": 2,
            }
            body = {"robot": robots[0], "variation": config.variation, "budget": budget}
            job = api.post("/api/adaptations", json=body).raise_for_status().json()
            log(f"operator triggered adaptation job {job['id']} ({budget})")
            job = _wait_for_job(api, job["id"], config.job_timeout_s, log)
            child, promoted, recovered = job.get("child_policy_id"), False, None
            if job["state"] == "done" and child:
                metrics = next(p for p in api.get("/api/policies").json() if p["id"] == child)["metrics"]
                child_eval, parent_eval = metrics["eval"]["child"], metrics["eval"]["parent"]
                better = child_eval["success_rate"] > parent_eval["success_rate"]
                promoted = better or config.promote == "always"
                verdict = "promote" if promoted else "keep the parent"
                c, p = child_eval["success_rate"], parent_eval["success_rate"]
                log(f"child {c:.2f} vs parent {p:.2f} on {config.variation}: {verdict}")
                if promoted:
                    evidence = {"job": job["id"], "child": child_eval, "parent": parent_eval}
                    api.post(
                        "/api/promote", json={"policy_id": child, "evidence": evidence}
                    ).raise_for_status()
                    phase(config.variation, config.seed + 20_000, "the robots grasp with the new champion")
                    recovered = _rate(api, child, config.variation)
    finally:
        server.should_exit = True
        thread.join(15)
    return DemoSummary(
        dashboard=f"{base_url}/dashboard",
        variation=config.variation,
        base_policy=base_id,
        child_policy=child,
        promoted=promoted,
        before=before,
        dropped=dropped,
        recovered=recovered,
        job={k: job[k] for k in ("id", "state", "error", "detail")},
        seconds=time.perf_counter() - start,
        work_dir=str(work),
        keys={"viewer": viewer_key, "operator": operator_key},
    )
