"""The robot: pybullet_data's KUKA iiwa with a parametric parallel-jaw gripper on its flange.

The URDF is generated (KUKA links from pybullet_data, meshes referenced by absolute path) and cached by its
parameters, so each gripper variation is a real, different geometry: longer fingers, or a gripper mounted
off the wrist axis. A massless-looking `nominal_tcp` link hangs on the *wrist* where the controller believes
the fingertips are; IK and the reported gripper height use it, whatever gripper is really mounted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass

import pybullet_data

FLANGE_Z = 0.045  # distance from the joint-7 frame to the flange
PALM_HEIGHT = 0.03
NOMINAL_FINGER_LENGTH = 0.06
FINGER_THICKNESS = 0.012
FINGER_WIDTH = 0.03
MAX_FINGER_OPENING = 0.065  # per finger, from the gripper's centre plane
NOMINAL_TCP_Z = FLANGE_Z + PALM_HEIGHT + NOMINAL_FINGER_LENGTH

# Link indices in the generated URDF (pybullet numbers links by joint order).
ARM_JOINTS = tuple(range(7))
GRIPPER_BASE_LINK = 7
LEFT_FINGER = 8
RIGHT_FINGER = 9
NOMINAL_TCP_LINK = 10


@dataclass(frozen=True)
class GripperGeometry:
    finger_length: float = NOMINAL_FINGER_LENGTH
    offset: float = 0.0  # metres along the flange's x axis


def _inertial(mass: float, size: float = 0.02) -> str:
    i = mass * size * size / 6.0
    return (
        f'<inertial><origin xyz="0 0 0"/><mass value="{mass}"/>'
        f'<inertia ixx="{i}" ixy="0" ixz="0" iyy="{i}" iyz="0" izz="{i}"/></inertial>'
    )


def _box_link(
    name: str, size: tuple[float, float, float], xyz: tuple[float, float, float], rgba: str, mass: float
) -> str:
    s = " ".join(f"{v:.5f}" for v in size)
    o = " ".join(f"{v:.5f}" for v in xyz)
    return (
        f'<link name="{name}">{_inertial(mass)}'
        f'<visual><origin xyz="{o}"/><geometry><box size="{s}"/></geometry>'
        f'<material name="{name}_mat"><color rgba="{rgba}"/></material></visual>'
        f'<collision><origin xyz="{o}"/><geometry><box size="{s}"/></geometry></collision></link>'
    )


def gripper_xml(geom: GripperGeometry) -> str:
    length = geom.finger_length
    palm = _box_link(
        "gripper_palm", (0.05, 0.17, PALM_HEIGHT), (0, 0, PALM_HEIGHT / 2), "0.15 0.15 0.15 1", 0.3
    )
    left = _box_link(
        "left_finger",
        (FINGER_WIDTH, FINGER_THICKNESS, length),
        (0, FINGER_THICKNESS / 2, length / 2),
        "0.85 0.85 0.8 1",
        0.05,
    )
    right = _box_link(
        "right_finger",
        (FINGER_WIDTH, FINGER_THICKNESS, length),
        (0, -FINGER_THICKNESS / 2, length / 2),
        "0.85 0.85 0.8 1",
        0.05,
    )
    limit = f'<limit lower="0" upper="{MAX_FINGER_OPENING}" effort="60" velocity="0.5"/>'
    return f"""
  {palm}
  <joint name="gripper_mount" type="fixed">
    <parent link="lbr_iiwa_link_7"/><child link="gripper_palm"/>
    <origin xyz="{geom.offset:.5f} 0 {FLANGE_Z}" rpy="0 0 0"/>
  </joint>
  {left}
  <joint name="left_finger_joint" type="prismatic">
    <parent link="gripper_palm"/><child link="left_finger"/>
    <origin xyz="0 0 {PALM_HEIGHT}"/><axis xyz="0 1 0"/>{limit}
  </joint>
  {right}
  <joint name="right_finger_joint" type="prismatic">
    <parent link="gripper_palm"/><child link="right_finger"/>
    <origin xyz="0 0 {PALM_HEIGHT}"/><axis xyz="0 -1 0"/>{limit}
  </joint>
  <link name="nominal_tcp">{_inertial(0.001, 0.001)}</link>
  <joint name="nominal_tcp_joint" type="fixed">
    <parent link="lbr_iiwa_link_7"/><child link="nominal_tcp"/>
    <origin xyz="0 0 {NOMINAL_TCP_Z}"/>
  </joint>
"""


def robot_urdf_text(geom: GripperGeometry) -> str:
    kuka_dir = os.path.join(pybullet_data.getDataPath(), "kuka_iiwa")
    with open(os.path.join(kuka_dir, "model.urdf"), encoding="utf-8") as f:
        text = f.read()
    text = text.replace('filename="meshes/', f'filename="{kuka_dir}/meshes/')
    head, sep, tail = text.rpartition("</robot>")
    if not sep:
        raise RuntimeError("pybullet_data kuka_iiwa/model.urdf has no </robot> tag")
    return head + gripper_xml(geom) + sep + tail


def robot_urdf_path(geom: GripperGeometry) -> str:
    """Write (once) and return the path of the URDF for this gripper geometry."""
    text = robot_urdf_text(geom)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = os.path.join(tempfile.gettempdir(), "qtopt_sim_urdf")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"kuka_gripper_{digest}.urdf")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    return path
