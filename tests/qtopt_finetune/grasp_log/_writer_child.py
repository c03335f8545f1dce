"""Child process for the crash and many-writer tests: writes episodes, reporting ids on stdout.

    python _writer_child.py ROOT FIRST COUNT PER_SHARD [HOOK]
Before each shard it prints `PENDING id id ...`; after `flush()` returns, `COMMITTED id id ...`.
HOOK makes the moment of a kill certain (the parent kills on the marker): "write" prints `WRITING` as the
data file starts being written; "between" prints `BETWEEN` once the episode table is published and then
sleeps before publishing the data file.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for `tests.`

from qtopt_finetune.grasp_log import GraspLogWriter, durable
from qtopt_finetune.grasp_log import writer as writer_module
from tests.qtopt_finetune.grasp_log.helpers import make_meta, make_steps


def install_hook(hook: str) -> None:
    if hook == "write":
        original_write = writer_module.write_data_file

        def write(*args: Any, **kwargs: Any) -> None:
            print("WRITING", flush=True)
            original_write(*args, **kwargs)

        writer_module.write_data_file = write  # type: ignore[assignment]
    elif hook == "between":
        original_publish = durable.publish

        def publish(tmp: Path, final: Path) -> bool:
            done = original_publish(tmp, final)
            if "episodes" in final.parts:
                print("BETWEEN", flush=True)
                time.sleep(30)
            return done

        durable.publish = publish  # type: ignore[assignment]


def main() -> None:
    root, first, count, per_shard = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    with GraspLogWriter(root, image_format="png", episodes_per_shard=10_000) as writer:
        for start in range(first, first + count, per_shard):
            if start - first == 2 * per_shard and len(sys.argv) > 5:
                install_hook(sys.argv[5])  # from the third shard on
            numbers = range(start, min(start + per_shard, first + count))
            ids = [uuid.uuid4().hex for _ in numbers]
            print("PENDING", *ids, flush=True)
            for e, episode_id in zip(numbers, ids, strict=True):
                writer.add_episode(
                    make_steps(e, length=8, shape=(48, 48)), make_meta(e, episode_id=episode_id)
                )
            writer.flush()
            print("COMMITTED", *ids, flush=True)


if __name__ == "__main__":
    main()
