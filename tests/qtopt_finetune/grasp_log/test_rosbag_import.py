"""Import from a ROS 2 bag written here with rosbags (no ROS needed), sqlite3 and MCAP storage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader, GraspLogWriter, RosbagMapping, import_rosbag
from tests.qtopt_finetune.grasp_log.helpers import smooth_image

rosbags = pytest.importorskip("rosbags")


def _write_bag(
    path: Path, storage: str, with_rewards: bool
) -> list[list[tuple[np.ndarray, list[float], list[float]]]]:
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import Stores, get_typestore

    ts = get_typestore(Stores.ROS2_HUMBLE)
    Image, Header, Time = (
        ts.types["sensor_msgs/msg/Image"],
        ts.types["std_msgs/msg/Header"],
        ts.types["builtin_interfaces/msg/Time"],
    )
    Floats, String = ts.types["std_msgs/msg/Float32MultiArray"], ts.types["std_msgs/msg/String"]
    Layout, Float = ts.types["std_msgs/msg/MultiArrayLayout"], ts.types["std_msgs/msg/Float32"]
    plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
    episodes = []
    with Writer(path, version=9, storage_plugin=plugin) as w:
        conn = {
            "img": w.add_connection("/camera/color/image_raw", "sensor_msgs/msg/Image", typestore=ts),
            "state": w.add_connection("/grasp/state", "std_msgs/msg/Float32MultiArray", typestore=ts),
            "action": w.add_connection("/grasp/action", "std_msgs/msg/Float32MultiArray", typestore=ts),
            "episode": w.add_connection("/grasp/episode", "std_msgs/msg/String", typestore=ts),
            "reward": w.add_connection("/grasp/reward", "std_msgs/msg/Float32", typestore=ts),
        }
        t = 1_000_000_000

        def put(name: str, msg: object, type_: str) -> None:
            nonlocal t
            t += 10_000_000
            w.write(conn[name], t, ts.serialize_cdr(msg, type_))

        for e in range(2):
            start = {
                "event": "start",
                "robot": "ur5-lab",
                "variation": "harsh_light",
                "policy_id": "p7",
                "source": "real",
                "episode_id": f"bag-ep-{e}",
            }
            put("episode", String(data=json.dumps(start)), "std_msgs/msg/String")
            steps = []
            for k in range(3):
                rgb = smooth_image(100 * e + k, (12, 10))
                bgr = np.ascontiguousarray(rgb[..., ::-1])
                header = Header(stamp=Time(sec=0, nanosec=0), frame_id="cam")
                put(
                    "img",
                    Image(
                        header=header,
                        height=12,
                        width=10,
                        encoding="bgr8",
                        is_bigendian=0,
                        step=30,
                        data=bgr.reshape(-1),
                    ),
                    "sensor_msgs/msg/Image",
                )
                state = [float(k == 2), 0.3 - 0.1 * k]
                put(
                    "state",
                    Floats(layout=Layout(dim=[], data_offset=0), data=np.array(state, np.float32)),
                    "std_msgs/msg/Float32MultiArray",
                )
                action = [0.1, -0.1, -0.5, 0.0, float(k == 2), float(k == 2)]
                put(
                    "action",
                    Floats(layout=Layout(dim=[], data_offset=0), data=np.array(action, np.float32)),
                    "std_msgs/msg/Float32MultiArray",
                )
                if with_rewards:
                    put("reward", Float(data=-0.05), "std_msgs/msg/Float32")
                steps.append((rgb, state, action))
            put(
                "episode", String(data=json.dumps({"event": "end", "success": e == 1})), "std_msgs/msg/String"
            )
            episodes.append(steps)
    return episodes


@pytest.mark.parametrize(("storage", "with_rewards"), [("sqlite3", False), ("mcap", True)])
def test_import_rosbag(tmp_path: Path, storage: str, with_rewards: bool) -> None:
    bag = tmp_path / "bag"
    expected = _write_bag(bag, storage, with_rewards)
    mapping = RosbagMapping(reward_topic="/grasp/reward" if with_rewards else None)
    with GraspLogWriter(tmp_path / "log", image_format="png") as writer:
        ids = import_rosbag(bag, writer, mapping)
    assert ids == ["bag-ep-0", "bag-ep-1"]
    reader = GraspLogReader(tmp_path / "log")
    meta = {r["episode_id"]: r for r in reader.episodes().to_pylist()}
    assert meta["bag-ep-1"]["success"] and not meta["bag-ep-0"]["success"]
    assert meta["bag-ep-0"]["robot"] == "ur5-lab" and meta["bag-ep-0"]["source"] == "real"
    assert meta["bag-ep-0"]["start_time"] == pytest.approx(1.01)
    for e, episode_id in enumerate(ids):
        steps = reader.read_episode(episode_id)
        assert [s.done for s in steps] == [False, False, True]
        for step, (rgb, state, action) in zip(steps, expected[e], strict=True):
            np.testing.assert_array_equal(step.image, rgb)  # bgr8 converted to RGB
            np.testing.assert_array_equal(step.state, np.array(state, np.float32))
            np.testing.assert_array_equal(step.action, np.array(action, np.float32))
        rewards = [s.reward for s in steps]
        if with_rewards:
            assert rewards == pytest.approx([-0.05] * 3)
        else:
            assert rewards == [0.0, 0.0, 1.0 if e == 1 else 0.0]
