"""Sim parity: does the distributed job grasp as well as the one-process learner, same data and steps?

One scripted-with-noise grasp log is collected in the PyBullet world. Then the shipped base policy is
fine-tuned on it twice, with the same steps, batch, learning rate and seed: `qtopt pretrain --init` (one
process) and `qtopt finetune-distributed --parent` (local Ray, 2 Bellman updaters, 1 replay shard). Both
final checkpoints are evaluated on the same base-variation episodes with unseen (test) objects; the success
rates are printed with 95% Wilson intervals. Every step is the project's own CLI, so the commands printed
here reproduce each number by hand.

    .venv/bin/python benchmarks/distributed_parity_sim.py            # ~20 min on 2 cores
    .venv/bin/python benchmarks/distributed_parity_sim.py --quick    # a smoke run (tiny budgets)

Last line: `single=... distributed=... overlap=1|0` (overlap: the two intervals overlap).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QTOPT = str(Path(sys.executable).with_name("qtopt"))


def run(args: list[str], label: str) -> tuple[str, float]:
    """Run one CLI command, echoing it; return its stdout and wall seconds."""
    print(f"$ {shlex.join(['qtopt', *args])}", flush=True)
    start = time.perf_counter()
    done = subprocess.run([QTOPT, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{label} failed (exit {done.returncode})")
    print(f"  {label}: {seconds:.0f} s", flush=True)
    return done.stdout, seconds


def last_json(stdout: str) -> dict[str, object]:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            parsed: dict[str, object] = json.loads(line)
            return parsed
    raise SystemExit(f"no JSON line in: {stdout[-500:]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="60 grasps, 40 steps, 20 eval episodes")
    parser.add_argument("--parent", type=Path, default=Path("checkpoints/base"))
    parser.add_argument("--grasps", type=int, default=2000)
    parser.add_argument("--log", type=Path, default=None, help="an existing grasp log (default: collect one)")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--episodes", type=int, default=200, help="evaluation episodes per checkpoint")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir, removed)")
    args = parser.parse_args()
    grasps, steps, episodes = (60, 40, 20) if args.quick else (args.grasps, args.steps, args.episodes)
    work = args.dir or Path(tempfile.mkdtemp(prefix="qtopt_parity_sim_"))
    log = args.log or work / "log"
    common = ["--steps", str(steps), "--lr", str(args.lr), "--seed", str(args.seed), "--batch-size", "64"]
    try:
        print(f"# {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; work dir {work}")
        if args.log is None:
            run(
                [
                    "collect",
                    "--out",
                    str(log),
                    "--episodes",
                    str(grasps),
                    "--workers",
                    "2",
                    "--noise",
                    "1.0",
                    "--exploration",
                    "0.1",
                    "--seed",
                    str(args.seed),
                    "--json",
                ],
                "collect",
            )
        _, single_s = run(
            [
                "pretrain",
                "--init",
                str(args.parent),
                "--log",
                str(log),
                *common,
                "--out",
                str(work / "single"),
                "--run-dir",
                str(work / "run-single"),
            ],
            "single-process fine-tune",
        )
        _, dist_s = run(
            [
                "finetune-distributed",
                "--parent",
                str(args.parent),
                "--log",
                str(log),
                *common,
                "--updaters",
                "2",
                "--out",
                str(work / "distributed"),
                "--run-dir",
                str(work / "run-distributed"),
            ],
            "distributed fine-tune (incl. Ray start)",
        )
        rates = {}
        for name in ("single", "distributed"):
            out, _ = run(
                [
                    "eval",
                    "--checkpoint",
                    str(work / name),
                    "--variation",
                    "base",
                    "--objects",
                    "test",
                    "--episodes",
                    str(episodes),
                    "--seed",
                    "1000000",
                    "--json",
                ],
                f"eval {name}",
            )
            rates[name] = last_json(out)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    a, b = rates["single"], rates["distributed"]
    fmt = lambda r: f"{r['success_rate']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] (n={r['episodes']})"  # noqa: E731
    what = f"the log {args.log}" if args.log else f"{grasps} grasps"
    print(f"# {what}, {steps} steps from {args.parent}; single {single_s:.0f} s, distributed {dist_s:.0f} s")
    print(f"# single-process: {fmt(a)}; distributed: {fmt(b)}")
    overlap = int(float(a["ci_low"]) <= float(b["ci_high"]) and float(b["ci_low"]) <= float(a["ci_high"]))  # type: ignore[arg-type]
    print(f"single={a['success_rate']:.3f} distributed={b['success_rate']:.3f} overlap={overlap}")


if __name__ == "__main__":
    main()
