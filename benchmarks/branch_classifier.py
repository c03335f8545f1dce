"""Can the Q-network's shape tell, from one image, which of several grasps from it succeeds?

Branch grasps (`qtopt collect --branches K`, robot_drivers/branches.py) are several real grasps from the same
state: a random move down and a close in place, the world restored between them. This benchmark trains a
Q-network as a plain supervised classifier (image, state, move) -> success on one log's branch grasps and
reports, on another log's branch grasps (held out: other episodes, other objects if collected so):

- `auc_within`: mean over images with both outcomes of the AUC of the classifier's score among that image's
  grasps (0.5: it cannot tell one grasp from another in the same image);
- `argmax_success`: success of the highest-scored grasp of each image, against `mean_success`;
- `auc_pooled`: AUC over all grasps.

Supervised learning with a label for every grasp is an upper bound on what Q-learning gets from the same
grasps through its Bellman targets, so this separates "the data cannot teach it" from "the RL cannot".

    .venv/bin/python benchmarks/branch_classifier.py --train runs/logs/branch2k \\
        --test runs/logs/branch_heldout --steps 6000 --network '{"merge_size": 16}'
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from qtopt_finetune.grasp_log import GraspLogReader
from qtopt_finetune.networks import QNetwork, QNetworkConfig
from qtopt_finetune.torch_batch import images_to_tensor
from robot_drivers.branches import BRANCH_SUFFIX

Grasps = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]  # image, state, move, success, image id


def load_branch_grasps(path: str) -> Grasps:
    """Every branch grasp of a log: the image and state it was tried from, its move, its outcome, and which
    image it shares with its sibling grasps."""
    reader = GraspLogReader(path)
    ids = {p for p in reader.episodes().column("policy_id").to_pylist() if p.endswith(BRANCH_SUFFIX)}
    if not ids:
        raise SystemExit(f"{path} holds no branch grasps (collect with --branches K)")
    images, states, moves, success = [], [], [], []
    for batch in reader.select(policy_id=sorted(ids)).iter_transitions(batch_size=1024):
        for k in range(len(batch) - 1):  # a branch: (move, not done), then (close, done, reward = outcome)
            if batch.done[k] < 0.5 and batch.done[k + 1] > 0.5:
                images.append(batch.image[k])
                states.append(batch.state[k])
                moves.append(batch.action[k])
                success.append(batch.reward[k + 1] > 0.5)
    reader.close()
    image = np.stack(images)
    digests = [hashlib.md5(i.tobytes()).hexdigest() for i in image]
    group = np.unique(digests, return_inverse=True)[1]
    return image, np.stack(states), np.stack(moves), np.array(success, np.float32), group


def auc(score: np.ndarray, label: np.ndarray) -> float:
    pos, neg = score[label > 0.5], score[label <= 0.5]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    return float((pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean())


@torch.no_grad()
def evaluate(net: QNetwork, data: Grasps) -> dict[str, float]:
    image, state, move, y, group = data
    net.eval()
    scores = torch.cat(
        [
            net(
                images_to_tensor(image[i : i + 512]),
                torch.as_tensor(state[i : i + 512]),
                torch.as_tensor(move[i : i + 512]),
            )
            for i in range(0, len(y), 512)
        ]
    ).numpy()
    net.train()
    groups = [np.flatnonzero(group == g) for g in np.unique(group)]
    within = [a for a in (auc(scores[g], y[g]) for g in groups) if not np.isnan(a)]
    return {
        "auc_pooled": round(auc(scores, y), 3),
        "auc_within": round(float(np.mean(within)), 3),
        "images_with_both_outcomes": len(within),
        "argmax_success": round(float(np.mean([y[g][np.argmax(scores[g])] for g in groups])), 3),
        "mean_success": round(float(y.mean()), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", required=True, help="grasp log with branch grasps to train on")
    ap.add_argument("--test", required=True, help="grasp log with held-out branch grasps")
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--network", default="{}", help="QNetworkConfig overrides as JSON")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--train-grasps", type=int, default=0, help="train on only the first N branch grasps (0: all)"
    )
    args = ap.parse_args()
    torch.set_num_threads(2)
    start = time.perf_counter()
    train, test = load_branch_grasps(args.train), load_branch_grasps(args.test)
    if args.train_grasps:
        train = tuple(a[: args.train_grasps] for a in train)  # type: ignore[assignment]
    size = train[0].shape[1]
    if test[0].shape[1] != size:
        raise SystemExit(f"train images are {size} pixels wide, test images {test[0].shape[1]}")
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(args.network).items()}
    torch.manual_seed(args.seed)
    net = QNetwork(QNetworkConfig(image_size=size, close_in_place=True, **overrides))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-4)
    rng = np.random.default_rng(args.seed)
    for _ in tqdm(range(args.steps), desc="train"):
        i = rng.integers(0, len(train[3]), 64)
        logits = net(
            images_to_tensor(train[0][i]), torch.as_tensor(train[1][i]), torch.as_tensor(train[2][i])
        )
        loss = F.binary_cross_entropy_with_logits(logits, torch.as_tensor(train[3][i]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    report = {
        "network": overrides,
        "image_size": size,
        "steps": args.steps,
        "train_grasps": len(train[3]),
        "test_grasps": len(test[3]),
        "train": evaluate(net, tuple(a[:3000] for a in train)),  # type: ignore[arg-type]
        "test": evaluate(net, test),
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
