"""Nodes spun in this process, each on its own thread and executor, as separate processes would run them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node


@contextmanager
def spinning(*factories: Callable[[Context], Node]) -> Iterator[list[Any]]:
    """Make nodes (callables taking a context) in a fresh rclpy context; spin each on its own thread with
    its own single-threaded executor, so no node's callbacks can starve another's. On exit the executors
    stop, their threads are joined (no callback still runs when its node is destroyed), the nodes are
    destroyed in reverse order and the context is shut down."""
    context = Context()
    rclpy.init(context=context)
    nodes = [make(context) for make in factories]
    executors, threads = [], []
    try:
        for node in nodes:
            executor = SingleThreadedExecutor(context=context)
            executor.add_node(node)
            executors.append(executor)
            threads.append(threading.Thread(target=executor.spin, daemon=True))
            threads[-1].start()
        yield nodes
    finally:
        for executor in executors:
            executor.shutdown()
        for thread in threads:
            thread.join(timeout=10)
        for node in reversed(nodes):
            node.destroy_node()
        rclpy.try_shutdown(context=context)
