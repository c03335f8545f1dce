"""ROS 2 nodes (rclpy from the `ros-*` wheels): the grasp agent, the PyBullet sim bridge, bag recording.

Importing this package needs no rclpy; the node modules need the `ros` extra (pip install
'qtopt-finetune[ros]'). Interfaces (all standard messages; see topics.py):
- camera: sensor_msgs/Image on a parameter topic (default realsense2_camera's /camera/camera/color/image_raw)
- arm: Cartesian targets as geometry_msgs/PoseStamped on /arm/target_pose; the tool pose measured by the
  driver as geometry_msgs/PoseStamped on /arm/tool_pose (the tool points down; the quaternion is its yaw)
- gripper: control_msgs is not on PyPI, so no control_msgs/action/GripperCommand: the closest standard
  interface the wheels give is a std_srvs/SetBool service (/gripper/command, true = close, answered when the
  fingers stop) and sensor_msgs/JointState (/gripper/joint_states, position[0] = finger opening in metres).
  A lab with control_msgs relays SetBool to its GripperCommand action server in a few lines.
- episodes (sim only): std_srvs/Trigger on /sim/reset.
"""
