"""Lineage replay: every checkpoint of a chain evaluated on every variation in the sim world (a forgetting
matrix), in parallel on Ray, written as CSV, a PNG heat map and an HTML page (and GIFs on request)."""

from robot_drivers.replay.chain import LineageStep, chain_from_folder, chain_from_paths
from robot_drivers.replay.matrix import ForgettingMatrix
from robot_drivers.replay.run import ReplayJob, replay_lineage

__all__ = [
    "ForgettingMatrix",
    "LineageStep",
    "ReplayJob",
    "chain_from_folder",
    "chain_from_paths",
    "replay_lineage",
]
