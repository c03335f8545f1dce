"""`qtopt robot --ros --config robot.yaml`: run the grasp agent node for one robot until its episodes are
done (or Ctrl-C). robot.yaml holds the agent's parameters by name (see agent_config.AgentConfig)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import typer
import yaml

from robot_drivers.extras import MissingExtraError, require
from robot_drivers.ros.agent_config import AgentConfig


def load_robot_config(path: Path, overrides: dict[str, Any] | None = None) -> AgentConfig:
    """Read robot.yaml (a mapping of agent parameters); ints given for float parameters are accepted."""
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read robot config {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"robot config {path} must be a mapping of parameter: value")
    raw.update(overrides or {})
    floats = {f.name for f in dataclasses.fields(AgentConfig) if f.type == "float"}
    float_tuples = {"workspace_min", "workspace_max"}
    for key, value in raw.items():
        if key in floats and isinstance(value, int):
            raw[key] = float(value)
        elif key in float_tuples and isinstance(value, list):
            raw[key] = [float(v) for v in value]
    return AgentConfig.from_dict(raw)


def run_agent(cfg: AgentConfig) -> list[dict[str, Any]]:
    """Run the agent node (configure, activate, spin until done, clean up); return the outcomes."""
    rclpy: Any = require("rclpy", "qtopt robot --ros")
    from rclpy.executors import MultiThreadedExecutor
    from rclpy.lifecycle import TransitionCallbackReturn
    from rclpy.parameter import Parameter

    from robot_drivers.ros.agent_node import GraspAgentNode

    rclpy.init()
    params = [Parameter(k, value=v) for k, v in cfg.to_dict().items()]
    node = GraspAgentNode(parameter_overrides=params)
    executor = MultiThreadedExecutor(num_threads=2)
    executor.add_node(node)
    try:
        if node.trigger_configure() != TransitionCallbackReturn.SUCCESS:
            raise ValueError("the grasp agent refused its configuration (see the error above)")
        node.trigger_activate()
        while not node.finished.is_set():
            executor.spin_once(timeout_sec=0.1)
        node.trigger_deactivate()
        node.trigger_cleanup()
        if node.error is not None:
            raise RuntimeError(f"the grasp agent stopped: {node.error}") from node.error
    except KeyboardInterrupt:
        node.trigger_shutdown()
    finally:
        outcomes = [dataclasses.asdict(o) for o in node.outcomes]
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
    return outcomes


def robot_command(
    ros: bool = typer.Option(False, "--ros", help="drive the robot through ROS 2 (the only mode for now)"),
    config: Path = typer.Option(..., "--config", help="robot.yaml: the grasp agent's parameters"),
    episodes: int | None = typer.Option(None, min=0, help="override `episodes` (0 = until Ctrl-C)"),
    json_out: bool = typer.Option(False, "--json", help="print the outcomes as JSON lines"),
) -> None:
    """Run the grasp agent for one robot: camera topic -> CEM policy -> arm and gripper; logs each episode."""
    if not ros:
        raise typer.BadParameter("only --ros is supported; for the simulated robot use `qtopt collect`")
    try:
        cfg = load_robot_config(config, {} if episodes is None else {"episodes": episodes})
        outcomes = run_agent(cfg)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--config") from exc
    except MissingExtraError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from exc
    for outcome in outcomes:
        typer.echo(json.dumps(outcome) if json_out else f"episode {outcome['index']}: {outcome['status']}")
