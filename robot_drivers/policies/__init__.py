"""Policies that need no learning: a scripted grasper with privileged poses, and a random policy."""

from robot_drivers.policies.base import Policy
from robot_drivers.policies.random_policy import RandomPolicy
from robot_drivers.policies.scripted import ScriptedGraspPolicy

__all__ = ["Policy", "RandomPolicy", "ScriptedGraspPolicy"]
