r"""Where the grasps of a log close: how many episodes close at all, at what reported height, and how
often a close succeeds. For an adaptation's target log, this says whether the child had the closes it
needs in its data (e.g. extended_gripper: closes at the height where the longer fingers meet the floor).

    .venv/bin/python benchmarks/log_closes.py \
        --log runs/experiments/adaptation_v3/targets/base_extended_gripper_800/target_log

Prints one line per log (a few seconds per 1,000 episodes).
"""

from __future__ import annotations

import argparse

import numpy as np

from qtopt_finetune.grasp_log.reader import GraspLogReader
from qtopt_finetune.spaces import ACTION_NAMES, STATE_NAMES

CLOSE = ACTION_NAMES.index("close_gripper")
HEIGHT = STATE_NAMES.index("gripper_height")


def log_closes(path: str) -> dict[str, float]:
    """Episodes, successes, episodes that close, median height (cm) at the first close (all / successful
    ones), the lowest height an episode reached (median, cm), success rate of the episodes that close."""
    with GraspLogReader(path) as reader:
        episodes = reader.episodes().to_pylist()
        if not episodes:
            raise ValueError(f"{path}: the log has no episodes")
        close_h, success_close_h, lowest = [], [], []
        successes = 0
        for meta in episodes:
            steps = reader.read_episode(meta["episode_id"])
            heights = np.array([s.state[HEIGHT] for s in steps])
            closes = np.flatnonzero([s.action[CLOSE] > 0.5 for s in steps])
            lowest.append(heights.min())
            successes += bool(meta["success"])
            if len(closes):
                close_h.append(heights[closes[0]])
                if meta["success"]:
                    success_close_h.append(heights[closes[0]])
    cm = 100.0

    def median_cm(values: list[float]) -> float:
        return float(np.median(values)) * cm if values else float("nan")

    return {
        "episodes": len(episodes),
        "successes": successes,
        "closing_episodes": len(close_h),
        "close_height_cm": median_cm(close_h),
        "success_close_height_cm": median_cm(success_close_h),
        "lowest_height_cm": median_cm(lowest),
        "success_given_close": successes / len(close_h) if close_h else float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", action="append", required=True, help="a grasp log folder (repeatable)")
    args = ap.parse_args()
    for path in args.log:
        r = log_closes(path)
        print(
            f"{path}: {r['episodes']} episodes, {r['successes']} successes; {r['closing_episodes']} close "
            f"(median height {r['close_height_cm']:.1f} cm; successful ones "
            f"{r['success_close_height_cm']:.1f} cm), success given a close {r['success_given_close']:.2f}; "
            f"median lowest height {r['lowest_height_cm']:.1f} cm"
        )


if __name__ == "__main__":
    main()
