"""The PyBullet grasping world: a KUKA iiwa with a parallel gripper over a bin of procedural objects."""

from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.variations import VARIATIONS, parse_variation
from robot_drivers.sim.world import GraspWorld

__all__ = ["VARIATIONS", "GraspWorld", "WorldConfig", "parse_variation"]
