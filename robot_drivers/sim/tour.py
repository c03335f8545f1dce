"""A tour of the simulated robots: every variation, scripted grasps, success with Wilson intervals."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from qtopt_finetune.stats import SuccessRate, success_rate
from robot_drivers.policies.scripted import ScriptedGraspPolicy
from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.contact_sheet import write_contact_sheets
from robot_drivers.sim.variations import VARIATIONS
from robot_drivers.sim.world import GraspWorld


def scripted_success(
    config: WorldConfig, episodes: int, noise: float, seed: int = 0, progress: Progress | None = None
) -> SuccessRate:
    task = progress.add_task(config.variation, total=episodes) if progress else None
    successes = 0
    with GraspWorld(config) as world:
        policy = ScriptedGraspPolicy(world, noise=noise)
        for e in range(episodes):
            obs, _ = world.reset(seed=seed + e)
            policy.reset(seed=seed + e)
            done = False
            while not done:
                obs, _, done, _, info = world.step(policy.act(obs))
            successes += int(info["success"])
            if progress is not None and task is not None:
                progress.advance(task)
    return success_rate(successes, episodes)


def tour(episodes: int, out_dir: str, noise: float) -> dict[str, SuccessRate]:
    console = Console()
    results: dict[str, SuccessRate] = {}
    with Progress(console=console) as progress:
        for name in VARIATIONS:
            results[name] = scripted_success(
                replace(WorldConfig(), variation=name), episodes, noise, progress=progress
            )
    table = Table(title=f"Scripted grasping (noise {noise}), train objects, 95% Wilson intervals")
    for column in ("variation", "success", "95% CI", "n"):
        table.add_column(column)
    for name, r in results.items():
        table.add_row(name, f"{r.rate:.2f}", f"[{r.low:.2f}, {r.high:.2f}]", str(r.episodes))
    console.print(table)
    for path in write_contact_sheets(list(VARIATIONS), out_dir, episodes=2):
        console.print(f"contact sheet: {path}")
    return results
