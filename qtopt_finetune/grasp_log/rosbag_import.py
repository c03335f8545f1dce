"""Import grasp episodes from ROS 1/ROS 2 bags (sqlite3 or MCAP) with `rosbags` (no ROS install needed).

The mapping (topics configurable through `RosbagMapping`):
- `image_topic`, sensor_msgs/msg/Image (rgb8, bgr8, rgba8, bgra8 or mono8): the camera.
- `state_topic`, std_msgs/msg/Float32MultiArray, data = [gripper_closed, gripper_height].
- `action_topic`, std_msgs/msg/Float32MultiArray, data = the 6 action entries: each message is one step,
  whose observation is the latest image and state received before it (by bag time).
- `episode_topic`, std_msgs/msg/String holding JSON: {"event": "start", "robot": ..., "variation": ...,
  "policy_id": ..., "source": "real", "episode_id": optional} opens an episode (its bag time is the start
  time); {"event": "end", "success": true} closes it. Actions outside an episode are ignored.
- `reward_topic` (optional), std_msgs/msg/Float32: added to the reward of the latest step. Without it the
  reward is sparse, as in QT-Opt: 1.0 at the last step of a successful episode, else 0.0.
The last step of each episode gets done=True. A malformed episode stops the import with a ValueError.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtopt_finetune.grasp_log.records import EpisodeMeta, Step
from qtopt_finetune.grasp_log.writer import GraspLogWriter


@dataclass(frozen=True)
class RosbagMapping:
    image_topic: str = "/camera/color/image_raw"
    state_topic: str = "/grasp/state"
    action_topic: str = "/grasp/action"
    episode_topic: str = "/grasp/episode"
    reward_topic: str | None = None

    def topics(self) -> list[str]:
        return [
            t
            for t in (
                self.image_topic,
                self.state_topic,
                self.action_topic,
                self.episode_topic,
                self.reward_topic,
            )
            if t
        ]


def image_from_msg(msg: Any) -> np.ndarray:
    """sensor_msgs/Image -> uint8 (H, W, 3) RGB."""
    channels = {"rgb8": 3, "bgr8": 3, "rgba8": 4, "bgra8": 4, "mono8": 1}
    if msg.encoding not in channels:
        raise ValueError(f"image encoding {msg.encoding!r} not supported (use one of {sorted(channels)})")
    c = channels[msg.encoding]
    rows = np.frombuffer(bytes(msg.data), dtype=np.uint8).reshape(msg.height, msg.step)
    img = rows[:, : msg.width * c].reshape(msg.height, msg.width, c)
    if msg.encoding.startswith("bgr"):
        img = img[..., [2, 1, 0]]
    elif msg.encoding == "mono8":
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img[..., :3])


@dataclass
class _Episode:
    info: dict[str, Any]
    start_time: float
    steps: list[Step] = field(default_factory=list)


def _finish(ep: _Episode, info: dict[str, Any], has_reward_topic: bool) -> tuple[list[Step], EpisodeMeta]:
    success = bool(info.get("success", False))
    if ep.steps:
        ep.steps[-1].done = True
        if not has_reward_topic:
            ep.steps[-1].reward = 1.0 if success else 0.0
    meta = EpisodeMeta(
        robot=str(ep.info.get("robot", "")),
        variation=str(ep.info.get("variation", "")),
        policy_id=str(ep.info.get("policy_id", "")),
        source=str(ep.info.get("source", "real")),
        start_time=ep.start_time,
        success=success,
        episode_id=ep.info.get("episode_id"),
    )
    return ep.steps, meta


def import_rosbag(
    bag: str | Path | Sequence[str | Path], writer: GraspLogWriter, mapping: RosbagMapping | None = None
) -> list[str]:
    """Add every episode of the bag(s) to `writer`; returns the new episode ids in bag order."""
    from rosbags.highlevel import AnyReader  # optional dependency: pip install rosbags
    from rosbags.typesys import Stores, get_typestore

    mapping = mapping or RosbagMapping()
    paths = [Path(bag)] if isinstance(bag, (str, Path)) else [Path(b) for b in bag]
    image: np.ndarray | None = None
    state: np.ndarray | None = None
    episode: _Episode | None = None
    ids: list[str] = []
    with AnyReader(paths, default_typestore=get_typestore(Stores.ROS2_HUMBLE)) as reader:
        conns = [c for c in reader.connections if c.topic in mapping.topics()]
        for conn, stamp, raw in reader.messages(connections=conns):
            msg: Any = reader.deserialize(raw, conn.msgtype)
            where = f"{paths[0]} t={stamp / 1e9:.3f}s {conn.topic}"
            if conn.topic == mapping.image_topic:
                image = image_from_msg(msg)
            elif conn.topic == mapping.state_topic:
                state = np.asarray(msg.data, dtype=np.float32)
            elif conn.topic == mapping.reward_topic and episode is not None and episode.steps:
                episode.steps[-1].reward += float(msg.data)
            elif conn.topic == mapping.action_topic and episode is not None:
                if image is None or state is None:
                    raise ValueError(
                        f"{where}: action before any image ({mapping.image_topic}) or state "
                        f"({mapping.state_topic})"
                    )
                episode.steps.append(
                    Step(
                        image=image,
                        state=state,
                        action=np.asarray(msg.data, np.float32),
                        reward=0.0,
                        done=False,
                    )
                )
            elif conn.topic == mapping.episode_topic:
                event = json.loads(msg.data)
                if event.get("event") == "start":
                    episode = _Episode(info=event, start_time=stamp / 1e9)
                elif event.get("event") == "end" and episode is not None:
                    steps, meta = _finish(episode, event, mapping.reward_topic is not None)
                    try:
                        ids.append(writer.add_episode(steps, meta))
                    except ValueError as exc:
                        raise ValueError(f"{where}: episode refused: {exc}") from exc
                    episode = None
    return ids
