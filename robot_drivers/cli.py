"""Sub-commands of `qtopt` that drive robots: `qtopt sim ...` and the simulated tour behind `qtopt run`."""

from __future__ import annotations

from pathlib import Path

import typer

sim_app = typer.Typer(help="The PyBullet grasping world.", no_args_is_help=True)


def _variations(spec: str) -> list[str]:
    from robot_drivers.sim.variations import VARIATIONS, variation_names

    if spec == "all":
        return list(VARIATIONS)
    names = [part.strip() for part in spec.split(",") if part.strip()]
    for name in names:
        try:
            variation_names(name)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--variation") from exc
    return names


@sim_app.command("show")
def show(
    variation: str = typer.Option(
        "all", help="'all', a variation, or several joined by ',' (combine with '+')"
    ),
    out: Path = typer.Option(Path("runs/sim_show"), help="folder for the contact sheets and frames"),
    episodes: int = typer.Option(3, min=1, help="episodes per variation"),
    size: int = typer.Option(128, min=16, max=472, help="frame size in pixels"),
    noise: float = typer.Option(0.0, min=0.0, help="scripted policy noise"),
    seed: int = typer.Option(0, help="seed of the first episode"),
) -> None:
    """Write PNG contact sheets (a row per episode, a column per step) of scripted episodes."""
    from robot_drivers.sim.contact_sheet import write_contact_sheets

    for path in write_contact_sheets(_variations(variation), str(out), episodes, size, noise, seed):
        typer.echo(path)


@sim_app.command("scripted")
def scripted(
    variation: str = typer.Option("base", help="variation to grasp in"),
    noise: float = typer.Option(1.0, min=0.0, help="scripted policy noise (0 = near perfect)"),
    episodes: int = typer.Option(200, min=1),
    objects: str = typer.Option("train", help="object split: train, test or all"),
    workers: int = typer.Option(2, min=1),
    seed: int = typer.Option(0, help="seed of episode 0; episode i uses seed + i"),
    tool_aware: bool = typer.Option(
        False, help="steer the real fingertips (knows a gripper variation's geometry): the physical ceiling"
    ),
) -> None:
    """Success of the scripted grasper (privileged poses), with its 95% Wilson interval."""
    from qtopt_finetune.stats import success_rate
    from robot_drivers.policies.scripted import ScriptedOptions
    from robot_drivers.runner import CollectJob, collect

    try:
        job = CollectJob(
            None,
            episodes,
            variation,
            "scripted",
            workers=workers,
            seed=seed,
            objects=objects,
            scripted=ScriptedOptions(noise, tool_aware=tool_aware),
        )
        job.world_config()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    summary = collect(job)
    aware = ", tool-aware" if tool_aware else ""
    typer.echo(
        f"scripted (noise {noise:g}{aware}) on {variation}, {objects} objects: "
        f"success {success_rate(summary.successes, summary.episodes)}"
    )


@sim_app.command("baseline")
def baseline(
    policy: str = typer.Option(
        "descend", help="'descend' (blind), 'random' or 'scripted' (privileged poses)"
    ),
    variation: str = typer.Option("base", help="variation to grasp in"),
    episodes: int = typer.Option(200, min=1),
    objects: str = typer.Option("test", help="object split: test (unseen), train or all"),
    noise: float = typer.Option(0.0, min=0.0, help="scripted policy noise"),
    workers: int = typer.Option(2, min=1),
    seed: int = typer.Option(1_000_000, help="seed of episode 0 (the evaluation seeds of `qtopt eval`)"),
) -> None:
    """Success of a policy that learns nothing, on the episodes `qtopt eval` uses: what a learned policy
    must beat. 'descend' goes straight down and closes, blind (QT-Opt's scripted exploration)."""
    from qtopt_finetune.stats import success_rate
    from robot_drivers.runner import CollectJob, collect

    if policy not in ("descend", "random", "scripted"):
        raise typer.BadParameter(f"{policy!r}: choose descend, random or scripted", param_hint="--policy")
    from robot_drivers.policies.scripted import ScriptedOptions

    try:
        job = CollectJob(
            None,
            episodes,
            variation,
            policy,
            workers=workers,
            seed=seed,
            objects=objects,
            scripted=ScriptedOptions(noise),
        )
        job.world_config()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    summary = collect(job)
    rate = success_rate(summary.successes, summary.episodes)
    typer.echo(f"{policy} on {variation}, {objects} objects: success {rate}")


@sim_app.command("tour")
def run_tour(
    episodes: int = typer.Option(20, min=1, help="episodes per variation"),
    out: Path = typer.Option(Path("runs/tour"), help="folder for contact sheets"),
    noise: float = typer.Option(0.0, min=0.0, help="scripted policy noise"),
) -> None:
    """Simulated robots grasp in every variation with the scripted policy; print success with 95% CIs."""
    from robot_drivers.sim.tour import tour

    tour(episodes=episodes, out_dir=str(out), noise=noise)


def collect_command(
    out: Path = typer.Option(..., "--out", help="grasp log folder (created or appended to)"),
    episodes: int = typer.Option(100, min=1, help="number of grasp episodes"),
    variation: str = typer.Option("base", help="variation, e.g. 'base' or 'checkerboard+harsh_lighting'"),
    policy: str = typer.Option("scripted", help="'scripted', 'random', or a checkpoint folder"),
    noise: float = typer.Option(1.0, min=0.0, help="scripted policy noise (0 = near perfect)"),
    noise_max: float = typer.Option(
        None, min=0.0, help="scripted: each episode draws its noise uniformly from [--noise, --noise-max]"
    ),
    correction: float = typer.Option(
        0.0,
        min=0.0,
        max=1.0,
        help="scripted: share of episodes that hover over a noisy point, then correct to the true one",
    ),
    reach: float = typer.Option(
        0.0,
        min=0.0,
        max=1.0,
        help="scripted: share of episodes that hover beside the grasp point, then grasp in one sideways move",
    ),
    wander: float = typer.Option(
        0.0,
        min=0.0,
        max=1.0,
        help="scripted: share of episodes that move 1-6 cm sideways at random at grasp height, then close",
    ),
    exploration: float = typer.Option(
        0.0, min=0.0, max=1.0, help="probability of a random action per step (scripted or checkpoint policy)"
    ),
    workers: int = typer.Option(2, min=1, help="parallel processes"),
    seed: int = typer.Option(0, help="seed of episode 0; episode i uses seed + i"),
    objects: str = typer.Option("train", help="object split: train, test or all"),
    image_size: int = typer.Option(64, min=1, max=472),
    image_format: str = typer.Option("jpeg", help="jpeg or png"),
    camera: str = typer.Option(
        "wrist",
        help="sim camera: wrist (looking down, the shipped base's), hand (wrist, turning with it) or fixed",
    ),
    appearance: str = typer.Option(
        "fixed",
        help="sim look: fixed (as deployed) or randomized (a new light and bin tint per episode, for diverse "
        "pretraining data; never a variation's look)",
    ),
    robot: str = typer.Option("sim-0", help="robot name recorded with each episode"),
    auto_descend: bool = typer.Option(
        False,
        "--auto-descend",
        help="the robot descends and closes by itself; the policy moves in the plane and turns (a checkpoint "
        "trained so gets this mode anyway)",
    ),
    branches: int = typer.Option(
        0,
        min=0,
        help="sim only: from each state below --branch-height, try this many random grasps (world restored "
        "after each), each logged as its own two-step episode",
    ),
    branch_height: float = typer.Option(0.12, min=0.0, help="metres above the floor: states to branch from"),
    json_out: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Run a policy on a (simulated) robot and append the episodes to a grasp log."""
    import json

    from robot_drivers.branches import BranchConfig
    from robot_drivers.policies.scripted import ScriptedOptions
    from robot_drivers.runner import CollectJob, collect, summary_dict

    try:
        job = CollectJob(
            str(out),
            episodes,
            variation,
            policy,
            exploration=exploration,
            workers=workers,
            seed=seed,
            objects=objects,
            image_size=image_size,
            image_format=image_format,
            robot=robot,
            auto_descend=auto_descend,
            scripted=ScriptedOptions(noise, noise_max, correction, reach, wander),
            branches=BranchConfig(branches, branch_height),
            camera=camera,
            appearance=appearance,
        )
        job.world_config()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    summary = collect(job)
    if json_out:
        typer.echo(json.dumps(summary_dict(job, summary)))
    else:
        typer.echo(
            f"{summary.episodes} episodes ({summary.transitions} transitions) into {out} in "
            f"{summary.seconds:.1f} s: {summary.grasps_per_second:.2f} grasps/s, "
            f"success {summary.successes / summary.episodes:.3f}"
            + (
                f"; {summary.branches} branch grasps, success "
                f"{summary.branch_successes / summary.branches:.3f}"
                if summary.branches
                else ""
            )
        )


def eval_command(
    checkpoint: Path = typer.Option(..., "--checkpoint", help="checkpoint folder of the policy"),
    variation: str = typer.Option("base", help="variation to evaluate on"),
    objects: str = typer.Option("test", help="object split: test (unseen), train or all"),
    episodes: int = typer.Option(200, min=1, help="evaluation episodes"),
    workers: int = typer.Option(2, min=1, help="parallel processes"),
    seed: int = typer.Option(1_000_000, help="seed of episode 0 (episode i uses seed + i)"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON object"),
) -> None:
    """Evaluate a checkpoint's greedy CEM policy in the sim; print success with its 95% Wilson interval."""
    import json

    from qtopt_finetune.stats import success_rate
    from robot_drivers.runner import CollectJob, collect

    if not checkpoint.is_dir():
        raise typer.BadParameter(f"no checkpoint folder at {checkpoint}", param_hint="--checkpoint")
    try:
        job = CollectJob(
            None, episodes, variation, str(checkpoint), workers=workers, seed=seed, objects=objects
        )
        job.world_config()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    summary = collect(job, show_progress=not json_out)
    rate = success_rate(summary.successes, summary.episodes)
    if json_out:
        typer.echo(
            json.dumps(
                {
                    "checkpoint": str(checkpoint),
                    "variation": variation,
                    "objects": objects,
                    "success_rate": rate.rate,
                    "ci_low": rate.low,
                    "ci_high": rate.high,
                    "episodes": rate.episodes,
                    "successes": rate.successes,
                    "seed": seed,
                    "seconds": round(summary.seconds, 1),
                }
            )
        )
    else:
        typer.echo(f"{checkpoint} on {variation} ({objects} objects): success {rate}")


def probe_command(
    checkpoint: Path = typer.Option(..., "--checkpoint", help="checkpoint folder of the policy"),
    states: int = typer.Option(30, min=1, help="states to probe (one per episode)"),
    side: int = typer.Option(9, min=2, help="the grid of one-step grasps is side x side"),
    max_height: float = typer.Option(0.12, min=0.01, help="probe once the gripper is below this (m)"),
    variation: str = typer.Option("base"),
    objects: str = typer.Option("test"),
    seed: int = typer.Option(1_000_000, help="seed of the first episode"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON object"),
) -> None:
    """Does the Q-function know where to grasp? Real one-step grasps over a grid, scored by Q."""
    import json

    from robot_drivers.grasp_probe import probe

    if not checkpoint.is_dir():
        raise typer.BadParameter(f"no checkpoint folder at {checkpoint}", param_hint="--checkpoint")
    try:
        check_world(variation, objects)
        report = probe(checkpoint, states, side, max_height, variation, objects, seed, not json_out)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if json_out:
        typer.echo(json.dumps(report.to_dict()))
        return
    typer.echo(
        f"{report.states} states, {report.grid_points} grasps each: grid success {report.grid_success:.3f}, "
        f"some grasp succeeds in {report.reachable:.3f} of states, Q's best grasp succeeds "
        f"{report.argmax_success:.3f}; AUC of Q pooled {report.auc_pooled:.3f}, within an image "
        f"{report.auc_per_state:.3f}; Q's spread over the grid {report.q_spread:.3f}"
    )


def check_world(variation: str, objects: str) -> None:
    """Raise ValueError naming a bad variation or object split before any world is built."""
    from robot_drivers.sim.config import WorldConfig

    WorldConfig(variation=variation, objects=objects)  # type: ignore[arg-type]
