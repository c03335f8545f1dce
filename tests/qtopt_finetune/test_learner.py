import csv
from pathlib import Path

import pytest
import torch

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig, scheduled_lr
from qtopt_finetune.networks import QNetworkConfig
from tests.qtopt_finetune.helpers import TINY, tiny_batch, tiny_batches

CONFIG = LearnerConfig(lr=1e-3, target_lag_steps=2, checkpoint_every=0, progress=False, tensorboard=False)


def _assert_same_state(a: Learner, b: Learner) -> None:
    for (name, x), (_, y) in zip(a.network.state_dict().items(), b.network.state_dict().items(), strict=True):
        assert torch.equal(x, y), name
    for net, sd in a.targets.state_dicts().items():
        for key, tensor in sd.items():
            assert torch.equal(tensor, b.targets.state_dicts()[net][key]), (net, key)
    sa, sb = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    for pid, state in sa["state"].items():
        for key, value in state.items():
            assert torch.equal(value, sb["state"][pid][key]), (pid, key)


def test_resume_continues_step_count_optimizer_and_targets_exactly(tmp_path: Path) -> None:
    batches = tiny_batches()
    straight = Learner(TINY, CONFIG)
    straight.train(batches[:4], num_steps=4)

    first = Learner(TINY, CONFIG)
    first.train(batches[:2], num_steps=2)
    path = first.save_checkpoint(tmp_path / "ck")
    resumed = Learner.resume(path)
    assert resumed.step == 2
    _assert_same_state(first, resumed)
    assert resumed.optimizer.state_dict()["state"][0]["step"].item() == 2.0
    resumed.train(batches[2:4], num_steps=2)
    assert resumed.step == 4
    _assert_same_state(straight, resumed)  # as if never interrupted (RNG state restored too)


def test_init_from_a_parent_starts_fresh_and_records_the_parent(tmp_path: Path) -> None:
    parent = Learner(TINY, CONFIG)
    parent.train(tiny_batches()[:2], num_steps=2)
    parent_path = parent.save_checkpoint(tmp_path / "parent")
    parent_id = read_manifest(parent_path)["id"]

    child = Learner.init_from(parent_path, CONFIG, run_dir=tmp_path / "child", data_manifest={"target": "v1"})
    assert child.step == 0 and child.parent_id == parent_id
    assert child.optimizer.state_dict()["state"] == {}
    for key, tensor in parent.network.state_dict().items():
        assert torch.equal(tensor, child.network.state_dict()[key])
        assert torch.equal(tensor, child.targets.target1.state_dict()[key])
    child.train(tiny_batches(seed=1), num_steps=3)
    child.close()
    manifest = read_manifest(tmp_path / "child" / "checkpoints" / "step_00000003")
    assert manifest["parent_id"] == parent_id and manifest["data_manifest"] == {"target": "v1"}
    assert QNetworkConfig.from_dict(manifest["config"]["network"]) == TINY


def test_periodic_checkpoints_metrics_csv_and_tensorboard(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    config = LearnerConfig(checkpoint_every=2, log_every=1, progress=False, tensorboard=True)
    learner = Learner(TINY, config, run_dir=tmp_path)
    learner.train(tiny_batches(), num_steps=5)
    learner.close()
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["step_00000002", "step_00000004", "step_00000005"]
    resumed = Learner.resume(tmp_path / "checkpoints" / "step_00000004")
    assert resumed.run_dir == tmp_path and resumed.step == 4
    with open(tmp_path / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5]
    for row in rows:
        assert 0.0 <= float(row["q_min"]) <= float(row["q_mean"]) <= float(row["q_max"]) <= 1.0
        assert float(row["loss"]) > 0 and float(row["lr"]) == config.lr and float(row["steps_per_s"]) > 0
        assert 0.0 <= float(row["target_mean"]) <= 1.0
    assert any((tmp_path / "tensorboard").iterdir())


def test_on_step_callback_sees_every_step_and_can_stop(tmp_path: Path) -> None:
    seen: list[tuple[int, float]] = []

    def on_step(step: int, metrics: dict[str, float]) -> bool:
        seen.append((step, metrics["loss"]))
        return step == 3

    learner = Learner(TINY, CONFIG)
    learner.train(tiny_batches(), num_steps=10, on_step=on_step)
    assert [s for s, _ in seen] == [1, 2, 3] and learner.step == 3


def test_training_stops_when_the_stream_ends() -> None:
    learner = Learner(TINY, CONFIG)
    metrics = learner.train(tiny_batches()[:3], num_steps=100)
    assert learner.step == 3 and set(metrics) >= {"loss", "q_mean", "q_min", "q_max", "target_mean", "lr"}


def test_cosine_learning_rate_decays_to_zero_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    config = LearnerConfig(lr=1e-3, lr_decay_steps=4, checkpoint_every=0, progress=False, tensorboard=False)
    batches = tiny_batches()
    learner = Learner(TINY, config)
    seen = [learner.train([batch], num_steps=1)["lr"] for batch in batches[:2]]
    resumed = Learner.resume(learner.save_checkpoint(tmp_path / "ck"))
    seen += [resumed.train([batch], num_steps=1)["lr"] for batch in batches[2:5]]
    assert seen == pytest.approx([1e-3, 1e-3 * 0.5 * (1 + 2**-0.5), 5e-4, 1e-3 * 0.5 * (1 - 2**-0.5), 0.0])
    before = {k: v.clone() for k, v in resumed.network.state_dict().items()}
    resumed.train(batches[5:6], num_steps=1)  # past the decay: lr 0 leaves the weights as they are
    assert all(torch.equal(before[k], v) for k, v in resumed.network.state_dict().items())
    assert Learner(TINY, CONFIG).train(batches[:3], num_steps=3)["lr"] == CONFIG.lr  # 0: constant
    assert scheduled_lr(CONFIG, 10_000) == CONFIG.lr
    with pytest.raises(ValueError, match="lr_decay_steps >= 0"):
        LearnerConfig(lr_decay_steps=-1)


def test_sgd_with_momentum_as_qtopt() -> None:
    learner = Learner(TINY, LearnerConfig(optimizer="sgd", lr=0.01, progress=False, tensorboard=False))
    assert isinstance(learner.optimizer, torch.optim.SGD)
    assert learner.optimizer.param_groups[0]["momentum"] == 0.9
    learner.train(tiny_batches()[:2], num_steps=2)
    assert learner.step == 2


def test_conservative_penalty_pushes_unlogged_actions_below_logged_ones() -> None:
    from dataclasses import replace

    import numpy as np

    batches = tiny_batches()
    for i, b in enumerate(batches):  # the log only ever shows one narrow kind of action
        noise = np.random.default_rng(i).normal(0, 0.05, b.action.shape).astype(np.float32)
        b.action[:] = np.clip(np.array([0.5, 0.0, -0.5, 0.0, 0.0, 0.0], np.float32) + noise, -1, 1)
        b.action[:, 4:] = 0.0
    plain, conservative = Learner(TINY, CONFIG), Learner(TINY, replace(CONFIG, conservative_weight=5.0))
    for _ in range(6):
        plain.train(batches, num_steps=len(batches))
        metrics = conservative.train(batches, num_steps=len(batches))
    assert metrics["conservative"] >= 0.0  # logsumexp over a set is at least its logged member

    def gap(learner: Learner) -> float:
        """mean logit of the logged actions minus that of random actions, on the training states"""
        b = batches[0]
        image = torch.as_tensor(b.image).permute(0, 3, 1, 2).float() / 255
        state, action = torch.as_tensor(b.state), torch.as_tensor(b.action)
        rng = np.random.default_rng(0)
        random = np.concatenate([rng.uniform(-1, 1, (len(b), 4)), rng.integers(0, 2, (len(b), 2))], 1)
        with torch.no_grad():
            logged = learner.network(image, state, action)
            other = learner.network(image, state, torch.as_tensor(random, dtype=torch.float32))
        return float((logged - other).mean())

    assert gap(conservative) > gap(plain) + 0.1
    with pytest.raises(ValueError, match="conservative"):
        LearnerConfig(conservative_weight=-1.0)


def _blind_log_with_shortcuts(seed: int, batch_size: int = 32) -> TransitionBatch:
    """Logged actions say nothing (every grasp fails); the shortcuts say: dx toward the blob succeeds."""
    import numpy as np

    from qtopt_finetune.synthetic_batches import blob_images

    rng = np.random.default_rng(seed)
    batch = tiny_batch(seed, batch_size, terminal_fraction=1.0)
    sides = rng.integers(0, 2, batch_size)
    batch.image[:] = blob_images(sides, TINY.image_size, rng)
    batch.reward[:] = 0.0
    dx = rng.choice([-0.8, 0.8], batch_size)
    cut = np.zeros((batch_size, 6), np.float32)
    cut[:, 0], cut[:, 4], cut[:, 5] = dx, ((dx > 0) == (sides == 1)).astype(np.float32), 1.0
    cut[::4, 5] = 0.0  # some rows have no shortcut
    batch.shortcut = cut
    return batch


def test_shortcut_loss_teaches_q_the_value_of_the_labelled_moves() -> None:
    from dataclasses import replace

    import numpy as np

    from qtopt_finetune.synthetic_batches import blob_images

    batches = [_blind_log_with_shortcuts(i) for i in range(16)]
    plain, shortcut = Learner(TINY, CONFIG), Learner(TINY, replace(CONFIG, shortcut_weight=1.0, lr=3e-3))
    for _ in range(8):
        plain.train(batches, num_steps=len(batches))
        metrics = shortcut.train(batches, num_steps=len(batches))
    assert "shortcut" in metrics and "shortcut" not in plain.train(batches[:1], num_steps=1)

    def toward_minus_away(learner: Learner) -> float:
        """mean Q logit of dx toward the blob minus dx away from it, on fresh images"""
        rng = np.random.default_rng(99)
        sides = rng.integers(0, 2, 64)
        image = torch.as_tensor(blob_images(sides, TINY.image_size, rng)).permute(0, 3, 1, 2).float() / 255
        state = torch.zeros((64, 2))
        toward = torch.zeros((64, 6))
        toward[:, 0] = torch.as_tensor(np.where(sides == 1, 0.8, -0.8), dtype=torch.float32)
        away = toward.clone()
        away[:, 0] = -toward[:, 0]
        with torch.no_grad():
            return float((learner.network(image, state, toward) - learner.network(image, state, away)).mean())

    assert toward_minus_away(shortcut) > 0.5 > abs(toward_minus_away(plain))


def test_shortcut_loss_needs_batches_that_carry_shortcuts() -> None:
    from dataclasses import replace

    learner = Learner(TINY, replace(CONFIG, shortcut_weight=1.0))
    with pytest.raises(ValueError, match="shortcut"):
        learner.train_step(tiny_batch(0))
    with pytest.raises(ValueError, match="shortcut_weight"):
        LearnerConfig(shortcut_weight=-1.0)


def test_augment_draws_average_targets_and_loss_over_independent_augmentations() -> None:
    from dataclasses import replace

    from qtopt_finetune.augment import augment_pair
    from qtopt_finetune.bellman import compute_bellman_targets, log_loss
    from qtopt_finetune.torch_batch import TorchTransitionBatch

    learner = Learner(TINY, replace(CONFIG, augment_draws=2))
    batch = tiny_batch(3, terminal_fraction=0.25)
    tb = TorchTransitionBatch.from_numpy(batch, learner.device)
    generators = {}
    for name, generator in learner.generators.items():
        generators[name] = torch.Generator().set_state(generator.get_state())
    targets, images = [], []
    with torch.no_grad():
        for _ in range(2):  # what the step is about to draw, replayed from the same generator states
            image, next_image = augment_pair(
                tb.image, tb.next_image, learner.config.augment, generators["augment"]
            )
            t1, t2 = learner.targets.target1, learner.targets.target2
            bellman = learner.config.bellman
            targets.append(
                compute_bellman_targets(
                    t1, t2, tb.reward, tb.done, next_image, tb.next_state, bellman, generators["cem"]
                ).target
            )
            images.append(image)
        target = torch.stack(targets).mean(dim=0)
        learner.network.train()
        logits = [
            learner.network.q_from_features(
                learner.network.encode_image(image), tb.state, tb.action[:, None]
            )[:, 0]
            for image in images
        ]
        expected_loss = (log_loss(logits[0], target) + log_loss(logits[1], target)) / 2
    assert not torch.equal(targets[0], targets[1])  # two augmentations, two sets of targets
    out = learner.train_step(batch)
    assert out["target_mean"] == pytest.approx(float(target.mean()), abs=1e-6)
    assert out["loss"] == pytest.approx(float(expected_loss), abs=1e-5)
    with pytest.raises(ValueError, match="augment_draws >= 1"):
        LearnerConfig(augment_draws=0)
