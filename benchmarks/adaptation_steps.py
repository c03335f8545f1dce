r"""How long should a child train? Fine-tunes the base policy on the adaptation experiment's 800-grasp
target logs (50/50 with the base log) for longer and at a higher learning rate than the recipe, and
evaluates every saved checkpoint on the variation and the final one on the base task (100 test episodes
each, the evaluation seeds every experiment uses).

    .venv/bin/python benchmarks/adaptation_steps.py \
        --variations transparent,offset_gripper --lr 3e-4 --steps 6000
    .venv/bin/python benchmarks/adaptation_steps.py --mode adapters --lr 1e-3 --steps 3000 ...
    # a larger target share; or the base share split over several base logs (the base policy's whole data)
    .venv/bin/python benchmarks/adaptation_steps.py --base-weight 0.25 ...
    .venv/bin/python benchmarks/adaptation_steps.py --base-log runs/logs/wrist10k,runs/logs/wrist_online ...
    # more colour jitter than the parent's (brightness, contrast, per-channel gain; crops stay the parent's)
    .venv/bin/python benchmarks/adaptation_steps.py --photometric 0.3,0.3,0.15 ...
    # any other learner setting of the child (LearnerConfig fields; nested ones with a dot), repeatable
    .venv/bin/python benchmarks/adaptation_steps.py --set shortcut_weight=1.0 --set augment.crop_padding=8 ...

Needs `qtopt experiment adaptation` to have run first (its targets folder). ~9 min a variation on 2 cores.
Prints one line per checkpoint and writes OUT/NAME.json. The measured figures are in the README ("The
adaptation experiment (measured)").
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from qtopt_finetune.adaptation import AdaptationConfig, finetune_child
from qtopt_finetune.learner_config import parse_learner_overrides
from robot_drivers.evaluation import evaluate


def learner_overrides(args: argparse.Namespace) -> tuple[tuple[str, float], ...]:
    """The child's learner settings to change (("augment.brightness", 0.3), ...): --photometric and --set."""
    overrides: list[tuple[str, float]] = []
    if args.photometric is not None:
        try:
            brightness, contrast, gain = (float(x) for x in args.photometric.split(","))
        except ValueError:
            want = "--photometric wants BRIGHTNESS,CONTRAST,GAIN"
            raise SystemExit(f"{want}, got {args.photometric!r}") from None
        overrides += [("augment.brightness", brightness), ("augment.contrast", contrast)]
        overrides.append(("augment.channel_gain", gain))
    try:
        return (*overrides, *parse_learner_overrides(args.set))
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variations", default="transparent,offset_gripper")
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--mode", choices=["full", "adapters"], default="full")
    ap.add_argument("--seed", type=int, default=0, help="the child's training seed (batches and init)")
    ap.add_argument("--base", default="checkpoints/base")
    ap.add_argument("--base-log", default="runs/logs/wide10k", help="one log, or several joined by ','")
    ap.add_argument("--base-weight", type=float, default=0.5, help="the base logs' share of every batch")
    ap.add_argument("--experiment", default="runs/experiments/adaptation", help="its work dir")
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--out", default="runs/benchmarks/adaptation_steps")
    ap.add_argument(
        "--photometric", help="BRIGHTNESS,CONTRAST,GAIN: the child's colour jitter instead of the parent's"
    )
    ap.add_argument(
        "--variation-input",
        action="store_true",
        help="the child gets the variation input (qtopt_finetune/variation_input.py)",
    )
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a child learner setting")
    args = ap.parse_args()
    overrides = learner_overrides(args)
    root = Path(args.out)
    for v in args.variations.split(","):
        mode = "" if args.mode == "full" else f"_{args.mode}"
        seed = "" if args.seed == 0 else f"_seed{args.seed}"
        base_logs = args.base_log.split(",")
        mix = "" if args.base_weight == 0.5 else f"_bw{args.base_weight:g}"
        mix += "" if len(base_logs) == 1 else f"_{len(base_logs)}baselogs"
        mix += "" if args.photometric is None else "_aug" + args.photometric.replace(",", "-")
        mix += "".join(f"_{item.replace('=', '')}" for item in args.set)
        mix += "_varin" if args.variation_input else ""
        name = f"{v}{mode}_lr{args.lr:g}_s{args.steps}{seed}{mix}"
        target = Path(args.experiment) / "targets" / f"base_{v}_800" / "target_log"
        if not (target / "meta" / "info.json").is_file():
            need = "run `qtopt experiment adaptation` first"
            raise SystemExit(f"no 800-grasp target log for {v} at {target}: {need}")
        run_dir, child = root / "train" / name, root / "children" / name
        start = time.perf_counter()
        if not child.exists():
            config = AdaptationConfig(
                steps=args.steps,
                lr=args.lr,
                eval_episodes=0,
                mode=args.mode,
                seed=args.seed,
                base_weight=args.base_weight,
                learner_overrides=overrides,
                variation_input=args.variation_input,
            )
            finetune_child(args.base, base_logs, target, config, child, run_dir)
        out: dict = {"variation": v, "mode": args.mode, "lr": args.lr, "steps": args.steps, "seed": args.seed}
        out |= {"base_logs": base_logs, "base_weight": args.base_weight, "photometric": args.photometric}
        out["learner_overrides"] = dict(overrides)
        out["variation_input"] = args.variation_input
        out["evals"] = {}
        for ck in sorted((run_dir / "checkpoints").glob("step_*")):
            step = int(ck.name.split("_")[1])
            r = evaluate(ck, v, "test", args.episodes, 2, show_progress=False)
            out["evals"][step] = [r.rate, r.low, r.high]
            print(f"{name} step {step}: {r}", flush=True)
        b = evaluate(child, "base", "test", args.episodes, 2, show_progress=False)
        out["base_task"] = [b.rate, b.low, b.high]
        out["seconds"] = round(time.perf_counter() - start, 1)
        print(f"{name} base task: {b}", flush=True)
        (root / f"{name}.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
