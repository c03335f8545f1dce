"""The grasp agent: a ROS 2 lifecycle node that grasps with the champion policy and logs every episode.

configure: read and validate the parameters, load the policy, open the grasp log and the bag.
activate: start the episode loop (its own thread; the executor keeps serving callbacks).
deactivate: stop after aborting the running episode safely; cleanup: close the log and the bag.
A camera or arm that goes silent aborts the episode (the arm holds its pose; the episode is never written as
a success or a failure) and the loop waits until both are back. A new `checkpoint` parameter value is loaded
at the start of the next episode (picking up a newly promoted champion).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn

from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogWriter
from robot_drivers.policies.auto_descend import AutoDescend
from robot_drivers.policies.base import Policy
from robot_drivers.policies.descend import DescendPolicy
from robot_drivers.ros.agent_config import AgentConfig
from robot_drivers.ros.bag_recorder import BagRecorder
from robot_drivers.ros.grasp_episode import LinkLostError, run_grasp_episode
from robot_drivers.ros.robot_link import RosRobotLink

DYNAMIC = {"checkpoint", "exploration", "variation"}  # may change while running; the rest needs reconfigure
READY_POLL_S = 0.5


@dataclass(frozen=True)
class EpisodeOutcome:
    index: int
    status: str  # success | failure | aborted
    reason: str = ""
    episode_id: str | None = None
    steps: int = 0


def load_policy(cfg: AgentConfig, seed: int) -> tuple[Policy, str, int]:
    """-> (policy, policy id, image size)."""
    if cfg.policy == "descend":
        return DescendPolicy(seed=seed), "descend", 64
    import torch

    from qtopt_finetune.policy import CEMPolicy

    if cfg.torch_threads:
        torch.set_num_threads(cfg.torch_threads)
    cem = CEMPolicy.from_checkpoint(cfg.checkpoint, exploration=cfg.exploration, seed=seed)
    if cem.network.config.camera != cfg.camera:
        raise ValueError(
            f"grasp agent parameter camera: the checkpoint at {cfg.checkpoint} learned from the "
            f"{cem.network.config.camera} camera, this robot's is {cfg.camera!r}"
        )
    policy: Policy = AutoDescend(cem, cfg.max_translation) if cem.network.config.auto_descend else cem
    return policy, cem.checkpoint_id or Path(cfg.checkpoint).name, cem.image_size


class GraspAgentNode(LifecycleNode):
    def __init__(
        self, name: str = "grasp_agent", policy: tuple[Policy, str] | None = None, **kwargs: Any
    ) -> None:
        """policy: an in-process (policy, policy id) used instead of the `policy`/`checkpoint` parameters."""
        super().__init__(name, **kwargs)
        self._given_policy = policy
        for f in fields(AgentConfig):
            default = list(f.default) if isinstance(f.default, tuple) else f.default
            note = "changes take effect at the next episode" if f.name in DYNAMIC else "read on configure"
            self.declare_parameter(f.name, default, ParameterDescriptor(description=f"{f.name}: {note}"))
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.cfg: AgentConfig | None = None
        self.outcomes: list[EpisodeOutcome] = []
        self.link: RosRobotLink | None = None
        self._writer: GraspLogWriter | None = None
        self._recorder: BagRecorder | None = None
        self._policy: Policy | None = None
        self._policy_id = ""
        self._reload = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()  # set when `episodes` episodes are done (or the loop failed)
        self.error: Exception | None = None

    # --- parameters ---------------------------------------------------------------------------------
    def _read_config(self) -> AgentConfig:
        values = {f.name: self.get_parameter(f.name).value for f in fields(AgentConfig)}
        return AgentConfig.from_dict(values)

    def _on_set_parameters(self, params: list[Any]) -> SetParametersResult:
        if self.cfg is None:
            return SetParametersResult(successful=True)
        values = self.cfg.to_dict()
        for p in params:
            if p.name not in DYNAMIC:
                return SetParametersResult(successful=False, reason=f"{p.name} changes only on reconfigure")
            values[p.name] = p.value
        try:
            self.cfg = AgentConfig.from_dict(values)
        except ValueError as exc:
            return SetParametersResult(successful=False, reason=str(exc))
        self._reload = True
        return SetParametersResult(successful=True)

    # --- lifecycle ----------------------------------------------------------------------------------
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        try:
            cfg = self._read_config()
            if self._given_policy is not None:
                self._policy, self._policy_id = self._given_policy
                size = int(getattr(self._policy, "image_size", 64))
            else:
                self._policy, self._policy_id, size = load_policy(cfg, cfg.seed)
            self._writer = (
                GraspLogWriter(cfg.grasp_log, episodes_per_shard=1, camera=cfg.camera)
                if cfg.grasp_log
                else None
            )
            self._recorder = BagRecorder(cfg.bag_path, cfg.bag_storage) if cfg.bag_path else None
        except (ValueError, OSError) as exc:
            self.get_logger().error(f"configure failed: {exc}")
            return TransitionCallbackReturn.FAILURE
        self.cfg = cfg
        self.link = RosRobotLink(self, cfg, size, self._recorder)
        self.get_logger().info(f"configured: policy {self._policy_id}, camera {cfg.image_topic}")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop.clear()
        self.finished.clear()
        if self.link is not None:
            self.link.stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="grasp-episodes", daemon=True)
        self._thread.start()
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._halt()
        return super().on_deactivate(state)

    def _halt(self) -> None:
        """Stop the loop; a running episode ends at its next wait, aborted, with the arm holding."""
        self._stop.set()
        if self.link is not None:
            self.link.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._close()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._halt()
        self._close()
        return TransitionCallbackReturn.SUCCESS

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None
        if self.link is not None:
            self.link.destroy()
            self.link = None

    # --- the episode loop -----------------------------------------------------------------------------
    def _loop(self) -> None:
        assert self.cfg is not None and self.link is not None
        index = len(self.outcomes)
        try:
            while not self._stop.is_set() and (self.cfg.episodes == 0 or index < self.cfg.episodes):
                if not self.link.ready(READY_POLL_S):
                    self.get_logger().warning(
                        "waiting for the camera, the arm and the gripper", throttle_duration_sec=5
                    )
                    continue
                self.outcomes.append(self._episode(index))
                index += 1
            if self._writer is not None:
                self._writer.flush()
        except Exception as exc:  # a bug or a full disk: stop safely and say why, never hang silently
            self.link.hold()
            self.get_logger().fatal(f"grasp agent stopped, arm holding: {type(exc).__name__}: {exc}")
            self.error = exc
        finally:
            self.finished.set()

    def _pick_up_new_policy(self, cfg: AgentConfig, index: int) -> None:
        """Load a changed checkpoint/exploration; a checkpoint that fails to load keeps the current one."""
        self._reload = False
        try:
            self._policy, self._policy_id, _ = load_policy(cfg, cfg.seed + index)
        except (ValueError, OSError) as exc:
            self.get_logger().error(f"keeping policy {self._policy_id}: cannot load {cfg.checkpoint}: {exc}")
            return
        self.get_logger().info(f"now grasping with policy {self._policy_id}")

    def _episode(self, index: int) -> EpisodeOutcome:
        assert self.cfg is not None and self.link is not None and self._policy is not None
        cfg, link = self.cfg, self.link
        if self._reload:
            self._pick_up_new_policy(cfg, index)
        start = time.time()
        try:
            info = link.reset_episode()
            link.publish_event(
                json.dumps(
                    {
                        "event": "start",
                        "robot": cfg.robot,
                        "variation": cfg.variation,
                        "policy_id": self._policy_id,
                        "source": cfg.source,
                        "reset": info,
                    }
                )
            )
            result = run_grasp_episode(link, self._policy, cfg, seed=cfg.seed + index)
        except LinkLostError as exc:
            link.hold()
            link.publish_event(json.dumps({"event": "aborted", "reason": str(exc)}))
            self.get_logger().error(f"episode {index} aborted, arm holding: {exc}")
            return EpisodeOutcome(index, "aborted", str(exc))
        link.publish_event(json.dumps({"event": "end", "success": result.success}))
        episode_id = None
        if self._writer is not None:
            meta = EpisodeMeta(cfg.robot, cfg.variation, self._policy_id, cfg.source, start, result.success)
            episode_id = self._writer.add_episode(result.steps, meta)
        status = "success" if result.success else "failure"
        self.get_logger().info(
            f"episode {index}: {status} ({len(result.steps)} steps, held {result.held_after_lift}, "
            f"drop change {result.drop_change:.4f})"
        )
        return EpisodeOutcome(index, status, "", episode_id, len(result.steps))
