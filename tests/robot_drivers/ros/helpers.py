"""Shared pieces of the ROS tests: a fresh small checkpoint, and the sim bridge spinning in this process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from tests.qtopt_finetune.helpers import TINY


def fresh_checkpoint(path: Path) -> Path:
    """An untrained 64x64 Q-network saved with the learner's own checkpoint code."""
    config = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)
    return Learner(replace(TINY, image_size=64), config).save_checkpoint(path)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@contextmanager
def spinning(*nodes_factory: Any) -> Iterator[list[Any]]:
    """Make nodes (callables taking a context) in a fresh rclpy context; spin each on its own thread with its
    own single-threaded executor, as separate processes would (no node's timer can starve another's)."""
    import rclpy
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor

    context = Context()
    rclpy.init(context=context)
    nodes = [make(context) for make in nodes_factory]
    executors, threads = [], []
    for node in nodes:
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(node)
        executors.append(executor)
        threads.append(threading.Thread(target=executor.spin, daemon=True))
        threads[-1].start()
    try:
        yield nodes
    finally:
        for executor in executors:
            executor.shutdown()
        for thread in threads:  # no callback may still run when its node is destroyed
            thread.join(timeout=10)
        for node in reversed(nodes):
            node.destroy_node()
        rclpy.try_shutdown(context=context)
