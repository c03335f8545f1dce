"""Grasp log benchmark: write speed, bytes per transition, mixed-sampling speed with decoding, peak RSS.

Synthetic 64x64 images are realistic-ish, not random noise (which JPEG cannot compress): a smooth
background (low-frequency noise upsampled, as lighting and bin texture) plus a few flat-coloured boxes
(objects) that move from step to step. Episodes have 8 steps. The log is split into two variations
("base" and "target") and sampled 50/50 by a MixedSampler with batch 64, images decoded (JPEG q95), with
independent transitions (window 1) and in windows of 4 consecutive steps (the learner's `sample_window`,
grasp_log/windows.py: ~1.2 decodes per transition instead of ~1.9).

Sampling runs in a fresh subprocess per log size, pinned to `--cores` CPUs (default 1) with that many
decode threads, so its peak RSS (VmHWM) and speed are measured separately for each size.

    python benchmarks/grasp_log.py --quick          # ~20k transitions, about a minute
    python benchmarks/grasp_log.py                  # 100k and 1M transitions, 3 sampling processes each
                                                    # (several minutes, ~2.5 GB disk)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogReader, GraspLogWriter, MixedSampler, Step

SIZE = 64  # image height and width
STEPS = 8


class SyntheticScenes:
    """Smooth backgrounds from a small pool, with 3 coloured boxes at new random places every step."""

    def __init__(self, rng: np.random.Generator, pool: int = 64) -> None:
        self.rng = rng
        self.backgrounds = []
        for _ in range(pool):
            coarse = rng.uniform(40, 200, size=(4, 4, 3))
            smooth = np.kron(coarse, np.ones((SIZE // 4, SIZE // 4, 1)))
            y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
            light = (0.8 + 0.2 * np.sin(3 * x + rng.uniform(0, 6)) * np.cos(2 * y))[..., None]
            grain = np.kron(rng.normal(0, 6, size=(16, 16, 3)), np.ones((4, 4, 1)))
            self.backgrounds.append(np.clip(smooth * light + grain, 0, 255).astype(np.uint8))

    def image(self) -> np.ndarray:
        img = self.backgrounds[int(self.rng.integers(len(self.backgrounds)))].copy()
        for _ in range(3):
            h, w = self.rng.integers(6, 16, size=2)
            y, x = self.rng.integers(0, SIZE - 16, size=2)
            img[y : y + h, x : x + w] = self.rng.integers(0, 256, size=3)
        return img


def write_log(root: Path, transitions: int, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    scenes = SyntheticScenes(rng)
    episodes = transitions // STEPS
    t0 = time.perf_counter()
    with GraspLogWriter(root, image_format="jpeg", episodes_per_shard=500) as writer:
        for e in tqdm(range(episodes), desc=f"write {transitions} transitions", unit="ep", mininterval=2):
            steps = [
                Step(
                    image=scenes.image(),
                    state=rng.random(2, dtype=np.float32),
                    action=rng.uniform(-1, 1, 6).astype(np.float32),
                    reward=float(t == STEPS - 1),
                    done=t == STEPS - 1,
                )
                for t in range(STEPS)
            ]
            meta = EpisodeMeta(
                robot="kuka-0",
                variation="base" if e % 2 else "target",
                policy_id="p0",
                source="sim",
                start_time=1.7e9 + e,
                success=bool(e % 3 == 0),
            )
            writer.add_episode(steps, meta)
    seconds = time.perf_counter() - t0
    size = (
        sum(p.stat().st_size for p in root.rglob("*.parquet")) + (root / "meta" / "info.json").stat().st_size
    )
    return {
        "write_mbps": size / 1e6 / seconds,
        "bytes_per_transition": size / (episodes * STEPS),
        "write_s": seconds,
    }


def peak_rss_mb() -> float:
    """This process's peak RSS since it started (VmHWM). Not ru_maxrss: Linux carries that across fork and
    exec, so a child started by the process that has just written a 1M-transition log reported the
    writer's peak (180 MB against 165 MB at 100k), not its own (153 MB at both sizes)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no procfs: an upper bound


def sample_child(root: Path, seconds: float, cores: int, window: int) -> None:
    """Run in a subprocess: pin to `cores` CPUs, sample for `seconds`, print one JSON line."""
    cpus = sorted(os.sched_getaffinity(0))[:cores]
    os.sched_setaffinity(0, cpus)
    t0 = time.perf_counter()
    reader = GraspLogReader(root, decode_threads=cores)
    base, target = reader.select(variation="base"), reader.select(variation="target")
    sampler = MixedSampler(
        [(base, 0.5), (target, 0.5)], batch_size=64, seed=0, decode_threads=cores, window=window
    )
    sampler.sample()  # builds both indexes
    index_s = time.perf_counter() - t0
    n, t1, c1 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t1 < seconds:
        n += len(sampler.sample())
    tps, cpu_tps = n / (time.perf_counter() - t1), n / (time.process_time() - c1)
    sampler.close()
    rss_mb = peak_rss_mb()
    print(
        json.dumps(
            {"sample_tps": tps, "cpu_tps": cpu_tps, "rss_mb": rss_mb, "index_s": index_s, "cpus": cpus}
        )
    )


def measure(root: Path, seconds: float, cores: int, repeats: int, window: int) -> dict[str, Any]:
    """Sample the log in `repeats` fresh processes; speed and peak RSS are their medians (one process's
    peak RSS moves by several MB from run to run, its speed by ~15%)."""
    stats: dict[str, Any] = {}
    cmd = [
        sys.executable,
        __file__,
        "--sample-child",
        str(root),
        "--seconds",
        str(seconds),
        "--cores",
        str(cores),
        "--window",
        str(window),
    ]
    runs = []
    for _ in range(repeats):
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    for key in ("sample_tps", "cpu_tps", "rss_mb", "index_s"):
        stats[key] = float(np.median([r[key] for r in runs]))
    stats["rss_runs"] = [round(r["rss_mb"], 1) for r in runs]
    stats["tps_runs"] = [round(r["sample_tps"]) for r in runs]
    stats["cpus"] = runs[0]["cpus"]
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one small log (~20k transitions), < 60 s")
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to write the logs (default: a temp dir)"
    )
    parser.add_argument("--cores", type=int, default=1, help="CPUs (and decode threads) for sampling")
    parser.add_argument("--seconds", type=float, default=None, help="sampling time per size")
    parser.add_argument(
        "--repeats", type=int, default=None, help="sampling processes per size (default 1 quick, 3 full)"
    )
    parser.add_argument(
        "--windows",
        default="1,4",
        help="sampling windows to measure, comma-separated (the last one is the summary line's)",
    )
    parser.add_argument("--window", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--sample-child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sample_child is not None:
        sample_child(args.sample_child, args.seconds or 5.0, args.cores, args.window)
        return
    windows = [int(w) for w in args.windows.split(",")]
    sizes = [20_000] if args.quick else [100_000, 1_000_000]
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    base = Path(tempfile.mkdtemp(prefix="grasp_log_bench_", dir=args.dir))
    try:
        results = {}
        for n in sizes:
            repeats = args.repeats or (1 if args.quick else 3)
            written = write_log(base / f"log_{n}", n)
            for window in windows:
                r = written | measure(base / f"log_{n}", seconds, args.cores, repeats, window)
                results[n] = r
                print(
                    f"{n} transitions: write {r['write_mbps']:.1f} MB/s ({r['write_s']:.1f} s), "
                    f"{r['bytes_per_transition']:.0f} B/transition, mixed sampling (window {window}) "
                    "with JPEG decoding "
                    f"{r['sample_tps']:.0f} transitions/s on {len(r['cpus'])} core(s) "
                    f"({r['cpu_tps']:.0f} per CPU-second; "
                    f"load average {os.getloadavg()[0]:.1f}; index built in "
                    f"{r['index_s']:.1f} s), peak RSS while sampling {r['rss_mb']:.0f} MB "
                    f"(median of {len(r['rss_runs'])} processes: {r['rss_runs']} MB, "
                    f"{r['tps_runs']} transitions/s)",
                    flush=True,
                )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    last = results[sizes[-1]]
    print(
        f"write_mbps={last['write_mbps']:.1f} bytes_per_transition={last['bytes_per_transition']:.0f} "
        f"sample_tps={last['sample_tps']:.0f} rss_mb={last['rss_mb']:.0f} window={windows[-1]}"
    )


if __name__ == "__main__":
    main()
