"""A RealSense recording played back through the camera node reaches a subscriber as the frames recorded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rclpy.node import Node
from sensor_msgs.msg import Image

from robot_drivers.camera.realsense import RealSenseCamera, RealSenseConfig
from robot_drivers.camera.synthetic_recording import recording_suffix, write_synthetic_recording
from robot_drivers.ros import topics
from robot_drivers.ros.camera_node import CameraPublisherNode
from robot_drivers.ros.images import rgb_from_msg
from robot_drivers.ros.spinning import spinning
from tests.robot_drivers.ros.helpers import wait_for


def test_recording_played_through_the_camera_node_arrives_as_images(tmp_path: Path) -> None:
    frames = [np.full((24, 32, 3), (10 * i, 100, 200 - 10 * i), np.uint8) for i in range(5)]
    path = write_synthetic_recording(
        tmp_path / f"rec{recording_suffix()}", [f[..., ::-1] for f in frames], color_format="bgr8"
    )
    received: list[np.ndarray] = []

    def listener(context: object) -> Node:
        node = Node("listener", context=context)
        node.create_subscription(
            Image, topics.CAMERA_TOPIC, lambda m: received.append(rgb_from_msg(m, "t")), 10
        )
        return node

    with spinning(listener) as (_,):
        camera = RealSenseCamera(RealSenseConfig(playback=str(path)))
        with spinning(lambda c: CameraPublisherNode(camera, wait_for_subscriber=True, context=c)) as (
            publisher,
        ):
            wait_for(publisher.ended.is_set, 20, "the end of the recording")
            wait_for(lambda: len(received) == publisher.published, 5, "every image to arrive")
    assert publisher.published == 5
    for got, want in zip(received, frames, strict=True):  # bgr8 in the recording, RGB out of the topic
        np.testing.assert_array_equal(got, want)
