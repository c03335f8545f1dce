"""The static scene (floor, bin, optional checkerboard mat), the objects in the bin, camera and lights."""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pybullet as p
import pybullet_data
from PIL import Image

from robot_drivers.sim.config import CAMERAS
from robot_drivers.sim.objects import (
    URDF_MESH_SCALE,
    collision_hull,
    object_color,
    object_mesh,
)
from robot_drivers.sim.robot_urdf import NOMINAL_FINGER_LENGTH
from robot_drivers.sim.variations import VariationParams

BIN_CENTER = (0.6, 0.0)
BIN_FLOOR_Z = 0.015  # top of traybox.urdf's floor
DROP_HALF_EXTENT = 0.1  # objects fall onto the central 0.2 m x 0.2 m of the bin
SETTLE_MAX_SUBSTEPS = 360
OBJECT_MASS = 0.1  # kg, as every random_urdfs object
SETTLE_SPEED = 0.03  # m/s: objects slower than this are at rest
BIN_FLOOR_TONE = np.array([0.55, 0.53, 0.49])  # the bin floor's mean colour, as the camera sees it
# `transparent` objects: their own colour 90% of the way to the bin floor's tone, with alpha 0.35 (which the
# TINY renderer ignores). Fully floor-toned objects (until 2026-12-05) cost the wrist-camera base policy 64
# points (0.19, n=100); 90% costs it 50 (0.33), 85% 32, 75% 22 - the paper's transparent bottles cost ~37.
TRANSPARENT_TINT = 0.9
TRANSPARENT_ALPHA = 0.35


def transparent_rgba(rgba: Sequence[float]) -> tuple[float, float, float, float]:
    """An object's colour under `transparent`: tinted towards the bin floor, see-through."""
    own = np.asarray(rgba[:3], dtype=float)
    tinted = (1 - TRANSPARENT_TINT) * own + TRANSPARENT_TINT * BIN_FLOOR_TONE
    return (float(tinted[0]), float(tinted[1]), float(tinted[2]), TRANSPARENT_ALPHA)


# A fixed camera facing the robot across the bin, low above its far edge and a little to one side. The arm
# reaches in from behind the bin, so it never hides the bin (an over-the-shoulder camera behind the robot
# had the upper arm fill most of the image in about half the steps); being low, it looks under the wrist
# at the fingers and the objects between them, and the gripper is in view from its start height down.
CAMERA_EYE = (1.05, 0.18, 0.42)
CAMERA_TARGET = (0.6, 0.0, 0.11)
CAMERA_FOV = 48.0


@dataclass(frozen=True)
class Lighting:
    direction: tuple[float, float, float]
    color: tuple[float, float, float]
    ambient: float
    diffuse: float
    specular: float
    shadow: int

    def kwargs(self) -> dict[str, object]:
        return {
            "lightDirection": list(self.direction),
            "lightColor": list(self.color),
            "lightAmbientCoeff": self.ambient,
            "lightDiffuseCoeff": self.diffuse,
            "lightSpecularCoeff": self.specular,
            "shadow": self.shadow,
            "lightDistance": 2.0,
        }


BASE_LIGHTING = Lighting((0.3, 0.2, 1.0), (1.0, 1.0, 1.0), 0.6, 0.45, 0.05, 0)


def harsh_lighting(rng: np.random.Generator) -> Lighting:
    """A strong warm key light from a low, random side, hard shadows and glare, little ambient light."""
    angle = rng.uniform(0, 2 * math.pi)
    elevation = rng.uniform(0.25, 0.5)
    return Lighting(
        (math.cos(angle), math.sin(angle), elevation),
        (1.0, 0.78, 0.5),
        0.12,
        1.4,
        1.2,
        1,
    )


# The checkerboard mat: 16 x 16 cells (a fixed draw), about the objects' own size, in six colours muted 70%
# of the way towards the bin floor's tone. Measured on the wrist-camera base policy (0.83 on the base task,
# n=100 each): black-and-white 8 x 8 and 16 x 16 boards cost it 14 and 19 points; the six colours at full
# saturation (the variation until 2026-12-05) 69 (0.14), muted 60% 55, muted 70% 40 (0.43) - the
# paper's checkerboard backing cost its base policy ~36 points.
CHECKERBOARD_CELLS = 16
CHECKERBOARD_SATURATED = np.array(
    [[230, 40, 40], [40, 200, 60], [40, 80, 230], [240, 220, 40], [250, 250, 250], [20, 20, 20]],
    dtype=float,
)
CHECKERBOARD_MUTING = 0.7


def muted_checkerboard_colours(muting: float) -> np.ndarray:
    """The six colours `muting` of the way from full saturation to the bin floor's tone, as uint8 RGB."""
    return np.round((1 - muting) * CHECKERBOARD_SATURATED + muting * 255 * BIN_FLOOR_TONE).astype(np.uint8)


CHECKERBOARD_COLOURS = muted_checkerboard_colours(CHECKERBOARD_MUTING)


def checkerboard_image() -> np.ndarray:
    """The mat's texture, 256 x 256 RGB, the same on every machine."""
    n = CHECKERBOARD_CELLS
    cells = CHECKERBOARD_COLOURS[np.random.default_rng(0).integers(0, len(CHECKERBOARD_COLOURS), size=(n, n))]
    return np.kron(cells, np.ones((256 // n, 256 // n, 1), dtype=np.uint8))


def _checkerboard_texture() -> str:
    n = CHECKERBOARD_CELLS
    colours = hashlib.sha256(CHECKERBOARD_COLOURS.tobytes()).hexdigest()[
        :12
    ]  # the file is named by its content
    path = os.path.join(tempfile.gettempdir(), "qtopt_sim_urdf", f"checkerboard_{n}x{n}_{colours}.png")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp.png"
        Image.fromarray(checkerboard_image()).save(tmp)
        os.replace(tmp, path)
    return path


class Scene:
    def __init__(self, client: int, params: VariationParams) -> None:
        self.client = client
        self.params = params
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
        self.floor = p.loadURDF("plane.urdf", [0, 0, -0.001], physicsClientId=client)
        self.tray = p.loadURDF("tray/traybox.urdf", [*BIN_CENTER, 0.0], physicsClientId=client)
        self.objects: list[int] = []
        self._shapes: dict[tuple[int, float], tuple[int, int]] = {}
        self.object_ids: list[int] = []
        if params.checkerboard:
            self._add_checkerboard()
        self._bin_tint = (1.0, 1.0, 1.0)

    def tint_bin(self, gains: tuple[float, float, float]) -> None:
        """Scale the tray's and the floor's colour (their textures keep their pattern) by RGB `gains`."""
        if gains == self._bin_tint:
            return
        for body in (self.floor, self.tray):
            p.changeVisualShape(body, -1, rgbaColor=[*gains, 1.0], physicsClientId=self.client)
        self._bin_tint = gains

    def _add_checkerboard(self) -> None:
        # A visual-only mat (no collision shape): the physics stays exactly as in `base`.
        visual = p.createVisualShape(
            p.GEOM_BOX, halfExtents=[0.22, 0.22, 0.0005], physicsClientId=self.client
        )
        mat = p.createMultiBody(
            0, -1, visual, [*BIN_CENTER, BIN_FLOOR_Z + 0.0006], physicsClientId=self.client
        )
        texture = p.loadTexture(_checkerboard_texture(), physicsClientId=self.client)
        p.changeVisualShape(
            mat, -1, textureUniqueId=texture, rgbaColor=[1, 1, 1, 1], physicsClientId=self.client
        )

    def clear_objects(self) -> None:
        # pybullet hands freed body ids out again last-freed-first: freeing the highest id first gives the
        # next episode's objects the same ascending ids as in a fresh world (contacts between objects are
        # then ordered as there).
        for body in sorted(self.objects, reverse=True):
            p.removeBody(body, physicsClientId=self.client)
        self.objects, self.object_ids = [], []

    def drop_objects(self, indices: list[int], scale: float, rng: np.random.Generator) -> int:
        """Drop the objects into the bin and let them come to rest. Returns the substeps simulated."""
        self.clear_objects()
        for k, index in enumerate(indices):
            xy = np.asarray(BIN_CENTER) + rng.uniform(-DROP_HALF_EXTENT, DROP_HALF_EXTENT, size=2)
            orn = p.getQuaternionFromEuler(rng.uniform(0, 2 * math.pi, size=3).tolist())
            body = self._create_object(index, scale, (float(xy[0]), float(xy[1]), 0.08 + 0.07 * k), orn)
            self.objects.append(body)
            self.object_ids.append(index)
        steps = 0
        while steps < SETTLE_MAX_SUBSTEPS:
            for _ in range(12):
                p.stepSimulation(physicsClientId=self.client)
            steps += 12
            if max(self._speed(b) for b in self.objects) < SETTLE_SPEED:
                break
        return steps

    def _create_object(
        self, index: int, scale: float, position: tuple[float, float, float], orientation: Sequence[float]
    ) -> int:
        """One procedural object as its URDF describes it (0.1 kg, friction 1, its mesh and colour;
        inertia from the shape), with a collision hull of at most HULL_DIRECTIONS vertices (see
        objects.collision_hull)."""
        c = self.client
        if (index, scale) not in self._shapes:  # shapes are built once per object and reused (no leak)
            collision = p.createCollisionShape(
                p.GEOM_MESH, vertices=(collision_hull(index) * scale).tolist(), physicsClientId=c
            )
            rgba = transparent_rgba(object_color(index)) if self.params.transparent else object_color(index)
            visual = p.createVisualShape(
                p.GEOM_MESH,
                fileName=object_mesh(index),
                meshScale=[URDF_MESH_SCALE * scale] * 3,
                rgbaColor=list(rgba),
                physicsClientId=c,
            )
            self._shapes[(index, scale)] = (collision, visual)
        collision, visual = self._shapes[(index, scale)]
        body = p.createMultiBody(
            OBJECT_MASS, collision, visual, list(position), list(orientation), physicsClientId=c
        )
        # as real objects: a little rolling/spinning friction and damping, so they come to rest
        p.changeDynamics(
            body,
            -1,
            lateralFriction=1.0,
            rollingFriction=0.002,
            spinningFriction=0.002,
            angularDamping=0.3,
            physicsClientId=c,
        )
        return body

    def _speed(self, body: int) -> float:
        linear, _ = p.getBaseVelocity(body, physicsClientId=self.client)
        return float(np.linalg.norm(linear))

    def object_heights(self) -> list[float]:
        """Height of each object's lowest point above the bin floor."""
        return [p.getAABB(b, physicsClientId=self.client)[0][2] - BIN_FLOOR_Z for b in self.objects]


class Camera:
    """The fixed camera (`CAMERA_EYE`, looking at `CAMERA_TARGET`)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.view = p.computeViewMatrix(list(CAMERA_EYE), list(CAMERA_TARGET), [0, 0, 1])
        self.projection = p.computeProjectionMatrixFOV(CAMERA_FOV, 1.0, 0.05, 3.0)

    def capture(
        self,
        client: int,
        lighting: Lighting,
        size: int | None = None,
        tool: Sequence[float] | np.ndarray | None = None,
        yaw: float = 0.0,
    ) -> np.ndarray:
        """An RGB image; `tool` (where the controller believes the fingertips are) and `yaw` are ignored."""
        return _render(client, self.view, self.projection, lighting, size or self.size)


# The wrist camera: on the wrist's axis just under the palm, looking straight down between the fingers,
# with a wide lens (110 degrees; an in-hand RealSense D405 has 87, this keeps the fingertips in view). Its
# image is turned to the robot base's axes (a real robot derotates it by the wrist's yaw, known from its
# joints), so a move of the gripper is the same image shift at every yaw; the fingers turn in the image with
# the gripper. Up in the image is -x (towards the robot base). Mounted on the wrist, not the gripper: a
# gripper mounted off the axis appears off-centre.
WRIST_CAMERA_ABOVE_TCP = NOMINAL_FINGER_LENGTH - 0.002  # metres above the nominal fingertips: under the palm
WRIST_CAMERA_FOV = 110.0


class WristCamera:
    """A camera that moves with the wrist (see WRIST_CAMERA_ABOVE_TCP); `capture` needs the tool point. With
    `turns`, it also turns with the wrist's yaw (camera "hand"): its image's up is the flange's x axis, so the
    fingers, and a gripper mounted off the axis, stay at one place in the image whatever the yaw."""

    def __init__(self, size: int, turns: bool = False) -> None:
        self.size = size
        self.turns = turns
        self.projection = p.computeProjectionMatrixFOV(WRIST_CAMERA_FOV, 1.0, 0.005, 3.0)

    def capture(
        self,
        client: int,
        lighting: Lighting,
        size: int | None = None,
        tool: Sequence[float] | np.ndarray | None = None,
        yaw: float = 0.0,
    ) -> np.ndarray:
        if tool is None:
            raise ValueError("the wrist camera needs the tool point to render from")
        return _render(client, self.view(tool, yaw), self.projection, lighting, size or self.size)

    def view(self, tool: Sequence[float] | np.ndarray, yaw: float = 0.0) -> list[float]:
        """The view matrix (pybullet's column-major 16) from the tool point and, when it turns, the yaw."""
        eye = [float(tool[0]), float(tool[1]), float(tool[2]) + WRIST_CAMERA_ABOVE_TCP]
        up = [-math.cos(yaw), -math.sin(yaw), 0.0] if self.turns else [-1.0, 0.0, 0.0]
        return list(p.computeViewMatrix(eye, [eye[0], eye[1], eye[2] - 1.0], up))


def make_camera(kind: str, size: int) -> Camera | WristCamera:
    if kind == "fixed":
        return Camera(size)
    if kind in ("wrist", "hand"):
        return WristCamera(size, turns=kind == "hand")
    raise ValueError(f"unknown camera {kind!r}; known: {', '.join(CAMERAS)}")


def _render(
    client: int, view: Sequence[float], projection: Sequence[float], lighting: Lighting, s: int
) -> np.ndarray:
    _, _, rgba, _, _ = p.getCameraImage(
        s,
        s,
        list(view),
        list(projection),
        renderer=p.ER_TINY_RENDERER,
        physicsClientId=client,
        **lighting.kwargs(),
    )
    return np.asarray(rgba, dtype=np.uint8).reshape(s, s, 4)[:, :, :3].copy()
