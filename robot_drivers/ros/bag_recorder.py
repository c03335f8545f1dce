"""Record the agent's topics to a ROS 2 bag (MCAP or sqlite3) with rosbags, no ROS install needed.

Messages are written as the agent publishes them (CDR bytes from rclpy's serializer) with strictly
increasing timestamps, so the bag's order is the order of the agent's decisions and
`qtopt_finetune.grasp_log.import_rosbag(bag, writer, AGENT_BAG_MAPPING)` rebuilds the episodes.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from qtopt_finetune.grasp_log.rosbag_import import RosbagMapping
from robot_drivers.extras import require
from robot_drivers.ros import topics

AGENT_BAG_MAPPING = RosbagMapping(
    image_topic=topics.GRASP_IMAGE_TOPIC,
    state_topic=topics.GRASP_STATE_TOPIC,
    action_topic=topics.GRASP_ACTION_TOPIC,
    episode_topic=topics.GRASP_EPISODE_TOPIC,
)
TYPES = {
    topics.GRASP_IMAGE_TOPIC: "sensor_msgs/msg/Image",
    topics.GRASP_STATE_TOPIC: "std_msgs/msg/Float32MultiArray",
    topics.GRASP_ACTION_TOPIC: "std_msgs/msg/Float32MultiArray",
    topics.GRASP_EPISODE_TOPIC: "std_msgs/msg/String",
}


class BagRecorder:
    def __init__(self, path: str | Path, storage: str = "mcap") -> None:
        rosbag2: Any = require("rosbags.rosbag2", "bag recording")
        typesys: Any = require("rosbags.typesys", "bag recording")
        self._serialize = require("rclpy.serialization", "bag recording").serialize_message
        if storage not in ("mcap", "sqlite3"):
            raise ValueError(f"bag storage must be mcap or sqlite3, got {storage!r}")
        plugin = rosbag2.StoragePlugin.MCAP if storage == "mcap" else rosbag2.StoragePlugin.SQLITE3
        self.path = Path(path)
        if self.path.exists():
            raise FileExistsError(f"bag path already exists: {self.path}")
        self._writer = rosbag2.Writer(self.path, version=9, storage_plugin=plugin)
        self._writer.open()
        store = typesys.get_typestore(typesys.Stores.ROS2_HUMBLE)
        self._connections = {t: self._writer.add_connection(t, m, typestore=store) for t, m in TYPES.items()}
        self._last = 0
        self._lock = threading.Lock()

    def write(self, topic: str, msg: Any) -> None:
        data = self._serialize(msg)
        with self._lock:
            stamp = max(time.time_ns(), self._last + 1)
            self._last = stamp
            self._writer.write(self._connections[topic], stamp, data)

    def close(self) -> None:
        with self._lock:
            self._writer.close()
