"""Things that act: the PyBullet grasping world, the RealSense camera and ROS 2 nodes (guarded imports: see
extras.py), scripted policies and the episode runner. Imports qtopt_finetune, never services."""
