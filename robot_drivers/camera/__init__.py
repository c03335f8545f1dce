"""Cameras behind a small protocol: RealSense (pyrealsense2, guarded) and OpenCV preprocessing to the
policy's input. Importing this package needs neither pyrealsense2 nor OpenCV."""

from robot_drivers.camera.protocol import Camera, CameraFrame

__all__ = ["Camera", "CameraFrame"]
