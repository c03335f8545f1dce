"""Things that act: the PyBullet grasping world, (later) RealSense camera and ROS 2 nodes, scripted
policies and the episode runner. Imports qtopt_finetune, never services."""
