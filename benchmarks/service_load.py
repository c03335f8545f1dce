"""Lineage service load: N concurrent simulated robots report grasp outcomes in batches over loopback.

The service runs as `qtopt serve` in its own process (one uvicorn worker), on a fresh SQLite file and, when
reachable, a fresh PostgreSQL database. Each robot is a thread with its own HTTP connection that sends
batches of synthetic outcomes (unique attempt ids, random success) as fast as the service answers: the
robots' grasping is not simulated here, only their reporting, so this measures the service. Reported:
outcomes stored per second (counted by the service's answers) and the p50 / p99 latency of one batch.

    python benchmarks/service_load.py --quick      # 20 robots, 8 s per database; last line is SQLite's
    python benchmarks/service_load.py --seconds 30 --robots 20 --batch 50
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from robot_drivers.fleet.reporter import wait_for_service
from services.auth.keys import create_key
from services.db.migrate import upgrade
from services.db.session import make_engine, make_sessionmaker, normalise_url, session_scope
from services.domain.policies import register_checkpoint

WARM_UP_S = 1.0
PG_ADMIN_URL = os.environ.get("QTOPT_TEST_POSTGRES_URL", "postgresql://qtopt:qtopt@127.0.0.1:5432/postgres")


def seed(url: str, tmp: Path) -> tuple[str, str]:
    """Migrate, create a robot key and register one policy; returns (key, policy id)."""
    upgrade(url)
    ckpt = Learner(config=LearnerConfig(progress=False, tensorboard=False)).save_checkpoint(
        tmp / f"p{uuid.uuid4().hex[:6]}"
    )
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        key = create_key(session, "bench-robot", "robot")
        policy = register_checkpoint(session, ckpt, "bench")
        policy_id = policy.id
    engine.dispose()
    return key, policy_id


def robot(
    base_url: str,
    key: str,
    policy_id: str,
    name: str,
    batch: int,
    interval: float,
    stop: threading.Event,
    out: list[tuple[float, int, float]],
) -> None:
    """Send a batch every `interval` seconds (0: back to back, as fast as the service answers)."""
    rng = random.Random(name)
    next_send = time.perf_counter() + rng.uniform(0, interval)
    with httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=30) as client:
        while not stop.is_set():
            if interval:
                time.sleep(max(0.0, next_send - time.perf_counter()))
                next_send += interval
            now = datetime.now(UTC).isoformat()
            outcomes = [
                {
                    "attempt_id": uuid.uuid4().hex,
                    "robot": name,
                    "policy_id": policy_id,
                    "variation": "base",
                    "success": rng.random() < 0.6,
                    "time": now,
                }
                for _ in range(batch)
            ]
            start = time.perf_counter()
            response = client.post("/api/outcomes", json={"outcomes": outcomes})
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            out.append((elapsed, int(response.json()["accepted"]), start))


def run_load(
    url: str, robots: int, batch: int, seconds: float, tmp: Path, interval: float
) -> dict[str, float]:
    key, policy_id = seed(url, tmp)
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "serve", "--port", str(port), "--db-url", url],
        env=os.environ | {"QTOPT_DATA_DIR": str(tmp / "data")},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_service(base_url, 60)
        results: list[list[tuple[float, int, float]]] = [[] for _ in range(robots)]
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=robot, args=(base_url, key, policy_id, f"sim-{i}", batch, interval, stop, results[i])
            )
            for i in range(robots)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(30)
    warm = start + WARM_UP_S  # connections and caches settle in the first second: latencies after it
    latencies = np.array([lat for r in results for lat, _, sent in r if sent >= warm])
    stored = sum(n for r in results for _, n, _ in r)
    return {
        "outcomes_per_s": stored / elapsed,
        "requests": float(len(latencies)),
        "p50_ms": float(np.percentile(latencies, 50) * 1000),
        "p99_ms": float(np.percentile(latencies, 99) * 1000),
    }


def postgres_database() -> tuple[str, object] | None:
    try:
        admin = create_engine(
            normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        name = f"qtopt_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: say so, measure SQLite only
        print(f"postgresql: skipped ({type(exc).__name__}: {str(exc).splitlines()[0]})", flush=True)
        return None
    url = make_url(normalise_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    return url, (admin, name)


def drop(handle: object) -> None:
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def line(label: str, figures: dict[str, float]) -> str:
    return (
        f"{label}: outcomes_per_s={figures['outcomes_per_s']:.0f} p50_ms={figures['p50_ms']:.1f} "
        f"p99_ms={figures['p99_ms']:.1f} requests={figures['requests']:.0f}"
    )


def measure(
    database: str, args: argparse.Namespace, seconds: float, rate: float, tmp: Path
) -> dict[str, float] | None:
    """One load run on a fresh database; `rate` outcomes/s offered in all (0: as fast as answered)."""
    interval = args.robots * args.batch / rate if rate else 0.0
    if database == "sqlite":
        return run_load(
            f"sqlite:///{tmp / f'load_{uuid.uuid4().hex[:6]}.db'}",
            args.robots,
            args.batch,
            seconds,
            tmp,
            interval,
        )
    pg = postgres_database()
    if pg is None:
        return None
    try:
        return run_load(pg[0], args.robots, args.batch, seconds, tmp, interval)
    finally:
        drop(pg[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--robots", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50, help="outcomes per request")
    parser.add_argument(
        "--rate", type=float, default=1000.0, help="outcomes/s offered by all robots together"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="load duration per run")
    parser.add_argument(
        "--quick", action="store_true", help="8 s per database at --rate only (within a minute)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    seconds = 8.0 if args.quick else args.seconds
    print(
        f"{args.robots} robots, batches of {args.batch}, {seconds:g} s per run, load {os.getloadavg()[0]:.2f}"
    )
    databases = ["sqlite"] if args.no_postgres else ["postgresql", "sqlite"]
    rates = [args.rate] if args.quick else [args.rate, 0.0]
    last: dict[str, float] | None = None
    with tempfile.TemporaryDirectory(prefix="qtopt_load_") as tmp_name:
        for rate in rates:
            for database in databases:
                figures = measure(database, args, seconds, rate, Path(tmp_name))
                if figures is None:
                    continue
                offered = f"{rate:.0f}/s offered" if rate else "saturated"
                print(line(f"{database} ({offered})", figures), flush=True)
                if database == "sqlite" and rate == args.rate:
                    last = figures
    assert last is not None
    print(f"outcomes_per_s={last['outcomes_per_s']:.0f} p99_ms={last['p99_ms']:.1f}")


if __name__ == "__main__":
    main()
