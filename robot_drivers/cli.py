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


def run_tour(
    episodes: int = typer.Option(20, min=1, help="episodes per variation"),
    out: Path = typer.Option(Path("runs/tour"), help="folder for contact sheets"),
    noise: float = typer.Option(0.0, min=0.0, help="scripted policy noise"),
) -> None:
    """Simulated robots grasp in every variation with the scripted policy; print success with 95% CIs."""
    from robot_drivers.sim.tour import tour

    tour(episodes=episodes, out_dir=str(out), noise=noise)
