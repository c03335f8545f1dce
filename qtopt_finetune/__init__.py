"""Learning core: spaces, grasp log, Q-network, CEM, Bellman targets, learner, checkpoints.

Imports nothing of ours and no simulator, web, ROS or camera code (see ARCHITECTURE.md).
"""

__version__ = "0.1.0"
