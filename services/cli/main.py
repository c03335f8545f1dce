"""`qtopt`: one command line for the whole project. Each layer contributes its own sub-commands."""

from __future__ import annotations

import typer

from robot_drivers.cli import collect_command, eval_command, probe_command, sim_app
from robot_drivers.ros.cli import robot_command
from services.cli.adapt import adapt_command
from services.cli.demo import demo_command
from services.cli.experiment import experiment_app
from services.cli.finetune_distributed import finetune_distributed_command
from services.cli.fleet import fleet_command
from services.cli.learn import pretrain_command
from services.cli.replay import replay_command
from services.cli.run import run_command
from services.cli.serve import keys_app, policy_app, serve_command

app = typer.Typer(help="QT-Opt grasping: simulate, collect, learn, adapt and serve.", no_args_is_help=True)
app.add_typer(sim_app, name="sim")
app.command("collect")(collect_command)
app.command("robot")(robot_command)
app.command("eval")(eval_command)
app.command("probe")(probe_command)
app.command("pretrain")(pretrain_command)
app.command("adapt")(adapt_command)
app.command("finetune-distributed")(finetune_distributed_command)
app.command("serve")(serve_command)
app.command("fleet")(fleet_command)
app.add_typer(keys_app, name="keys")
app.add_typer(policy_app, name="policy")
app.command("run")(run_command)
app.command("replay")(replay_command)
app.add_typer(experiment_app, name="experiment")
app.command("demo")(demo_command)


if __name__ == "__main__":
    app()
