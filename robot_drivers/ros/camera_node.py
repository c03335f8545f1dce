"""Publish any robot_drivers camera (a RealSense device or recording) as sensor_msgs/Image, like
realsense2_camera does, for labs without the realsense-ros driver and for replaying recordings to the agent.

    python -m robot_drivers.ros.camera_node --ros-args -p playback:=recording.db3
"""

from __future__ import annotations

import threading
from typing import Any

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from sensor_msgs.msg import Image

from robot_drivers.camera.protocol import Camera, CameraClosedError
from robot_drivers.ros import topics
from robot_drivers.ros.images import fill_image_msg


class CameraPublisherNode(Node):
    """Reads frames on its own thread and publishes each one (colour order kept: rgb8 or bgr8)."""

    def __init__(
        self,
        camera: Camera,
        topic: str = topics.CAMERA_TOPIC,
        wait_for_subscriber: bool = False,
        **kwargs: Any,
    ) -> None:
        """wait_for_subscriber: read nothing until someone listens (a recording then loses no frame)."""
        super().__init__("camera_publisher", **kwargs)
        self.camera = camera
        self._wait_for_subscriber = wait_for_subscriber
        self.published = 0
        self.ended = threading.Event()  # the camera ended (end of a recording) or failed
        self._pub = self.create_publisher(Image, topic, 10)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="camera-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._wait_for_subscriber and self._pub.get_subscription_count() == 0:
            if self._stop.wait(0.05):
                return
        try:
            while not self._stop.is_set():
                try:
                    frame = self.camera.read(timeout_s=1.0)
                except TimeoutError as exc:
                    self.get_logger().warning(str(exc), throttle_duration_sec=5)
                    continue
                rgb = frame.color if frame.color_order == "rgb" else frame.color[..., ::-1]
                msg = fill_image_msg(Image(), rgb, f"{frame.color_order}8")
                msg.header.stamp = self.get_clock().now().to_msg()
                msg.header.frame_id = "camera_color_optical_frame"
                self._pub.publish(msg)
                self.published += 1
        except CameraClosedError as exc:
            self.get_logger().info(str(exc))
        finally:
            self.ended.set()

    def destroy_node(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.camera.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    from robot_drivers.camera.realsense import RealSenseCamera, RealSenseConfig

    rclpy.init(args=args)
    probe = Node("camera_publisher_params")
    serial = str(probe.declare_parameter("serial", "").value)
    playback = str(probe.declare_parameter("playback", "").value)
    depth = bool(probe.declare_parameter("depth", False).value)
    topic = str(probe.declare_parameter("image_topic", topics.CAMERA_TOPIC).value)
    probe.destroy_node()
    camera = RealSenseCamera(RealSenseConfig(serial=serial or None, playback=playback or None, depth=depth))
    node = CameraPublisherNode(camera, topic, wait_for_subscriber=bool(playback))
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
