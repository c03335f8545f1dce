"""Topic, service and frame names shared by the grasp agent and the sim bridge (defaults; all parameters)."""

from __future__ import annotations

CAMERA_TOPIC = "/camera/camera/color/image_raw"  # realsense2_camera's default colour topic
TARGET_POSE_TOPIC = "/arm/target_pose"
TOOL_POSE_TOPIC = "/arm/tool_pose"
GRIPPER_STATE_TOPIC = "/gripper/joint_states"
GRIPPER_SERVICE = "/gripper/command"
RESET_SERVICE = "/sim/reset"
BASE_FRAME = "base_link"

# What the agent publishes for monitoring and recording; the mapping qtopt_finetune's import_rosbag reads.
GRASP_IMAGE_TOPIC = "/grasp/image"  # the policy's input (preprocessed RGB), one per step
GRASP_STATE_TOPIC = "/grasp/state"
GRASP_ACTION_TOPIC = "/grasp/action"
GRASP_EPISODE_TOPIC = "/grasp/episode"
