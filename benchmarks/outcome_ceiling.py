"""How well can the Q-network's shape tell a good grasp from a bad one, given the labels outright?

Takes each episode's last step of a grasp log (the image before the closing action, the state, the action)
and its outcome, holds out a fifth of the episodes, and trains the Q-network architecture as a plain
classifier on the rest (log loss, batch 64, Adam, the learner's random shifts). It prints the held-out AUC
as training goes, and the AUC that given checkpoints' Q-values reach on the same steps (held out from the
classifier only: a checkpoint trained on this log has seen them). If the classifier gets a high AUC and the
Q-learner's greedy policy still grasps badly, the network can see a good grasp and the weak part is valuing
the moves that lead to one (see checkpoints/base/README.md).

    .venv/bin/python benchmarks/outcome_ceiling.py --log runs/logs/wide10k --steps 6000 \\
        --checkpoint checkpoints/base

One thread; ~30 s per 1,000 steps at 64x64 on this machine. Last line: `auc=... steps=... n_test=...`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from qtopt_finetune.adapters.loading import load_q_network
from qtopt_finetune.augment import random_shift
from qtopt_finetune.grasp_log import GraspLogReader
from qtopt_finetune.networks import QNetwork, QNetworkConfig
from robot_drivers.grasp_probe import auc


def last_steps(log: Path) -> dict[str, np.ndarray]:
    """Image, state, action and success of every episode's last step, in log order."""
    parts: dict[str, list[np.ndarray]] = {"image": [], "state": [], "action": [], "success": []}
    for batch in GraspLogReader(log).iter_transitions(1024):
        last = batch.done > 0.5
        parts["image"].append(batch.image[last])
        parts["state"].append(batch.state[last])
        parts["action"].append(batch.action[last])
        parts["success"].append((batch.reward[last] > 0.5).astype(np.float32))
    return {k: np.concatenate(v) for k, v in parts.items()}


def to_tensors(data: dict[str, np.ndarray], rows: np.ndarray) -> tuple[torch.Tensor, ...]:
    images = torch.from_numpy(data["image"][rows]).permute(0, 3, 1, 2).float() / 255.0
    return images, torch.from_numpy(data["state"][rows]), torch.from_numpy(data["action"][rows])


def held_out_auc(net: QNetwork, data: dict[str, np.ndarray], rows: np.ndarray) -> float:
    net.eval()
    scores = []
    with torch.inference_mode():
        for i in range(0, len(rows), 512):
            scores.append(net(*to_tensors(data, rows[i : i + 512])).numpy())
    net.train()
    return auc(np.concatenate(scores), data["success"][rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", default="runs/logs/wide10k")
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint", action="append", default=[], help="also score these (repeatable)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = last_steps(Path(args.log))
    n = len(data["success"])
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(n)
    test, train = order[: n // 5], order[n // 5 :]
    print(json.dumps({"log": args.log, "episodes": n, "success": round(float(data["success"].mean()), 4)}))
    for path in args.checkpoint:
        net, _ = load_q_network(path)
        print(json.dumps({"checkpoint": path, "held_out_auc": round(held_out_auc(net, data, test), 4)}))
    torch.manual_seed(args.seed)
    net = QNetwork(QNetworkConfig())
    opt = torch.optim.Adam(net.parameters(), args.lr)
    result = float("nan")
    for step in tqdm(range(1, args.steps + 1), desc="classifier", mininterval=5):
        rows = rng.choice(train, 64)
        images, state, action = to_tensors(data, rows)
        images = random_shift(images, torch.randint(0, 9, (len(rows), 2)), 4)
        target = torch.from_numpy(data["success"][rows])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(images, state, action), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            result = held_out_auc(net, data, test)
            print(json.dumps({"step": step, "loss": round(loss.item(), 4), "held_out_auc": round(result, 4)}))
    print(f"auc={result:.3f} steps={args.steps} n_test={len(test)}")


if __name__ == "__main__":
    main()
