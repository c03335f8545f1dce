"""AdapterLearner: only adapters train; its checkpoints hold only adapter tensors and need their parent."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from qtopt_finetune.adapters import AdaptedQNetwork, AdapterConfig, AdapterLearner, load_q_network
from qtopt_finetune.checkpoint import CheckpointError, load_checkpoint, read_manifest, sha256_bytes
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.policy import CEMPolicy
from tests.qtopt_finetune.helpers import TINY, tiny_batch, tiny_batches

CONFIG = LearnerConfig(lr=1e-2, target_lag_steps=2, checkpoint_every=0, progress=False, tensorboard=False)


def _parent(path: Path, seed: int = 0) -> Path:
    learner = Learner(TINY, LearnerConfig(seed=seed, progress=False, tensorboard=False))
    return learner.save_checkpoint(path)


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    return _parent(tmp_path / "parent")


def _trained(parent: Path, steps: int = 3, run_dir: Path | None = None) -> AdapterLearner:
    learner = AdapterLearner(parent, AdapterConfig(bottom=2, middle=4, top=2), CONFIG, run_dir)
    learner.train(tiny_batches(seed=1)[:steps], num_steps=steps)
    return learner


def _q(net: torch.nn.Module) -> torch.Tensor:
    batch = tiny_batch(seed=7)
    images = torch.as_tensor(batch.image).permute(0, 3, 1, 2).float() / 255.0
    with torch.no_grad():
        return net(images, torch.as_tensor(batch.state), torch.as_tensor(batch.action))


def test_only_adapters_train_and_the_targets_track_them(parent: Path) -> None:
    base = load_checkpoint(parent).parts["model"]
    learner = AdapterLearner(parent, config=CONFIG)
    fresh = {k: v.clone() for k, v in learner.adapted.adapter_state_dict().items()}
    optimized = {id(p) for group in learner.optimizer.param_groups for p in group["params"]}
    assert optimized == {id(p) for p in learner.adapted.adapters.parameters()}
    learner.train(tiny_batches(seed=1)[:4], num_steps=4)
    for net in (learner.network, *learner.targets.modules().values()):
        assert isinstance(net, AdaptedQNetwork)
        for key, tensor in net.base_state_dict().items():
            assert torch.equal(tensor, base[key]), key  # the parent's weights, bit for bit
    online = learner.adapted.adapter_state_dict()
    target1 = learner.targets.target1.state_dict()
    moved = [k for k in online if k.endswith("up.weight")]
    for key in moved:
        assert not torch.equal(online[key], fresh[key]), key
        assert not torch.equal(target1[key], fresh[key]) and not torch.equal(target1[key], online[key]), key


def test_checkpoint_holds_only_adapters_and_a_parent_reference_and_round_trips(
    tmp_path: Path, parent: Path
) -> None:
    learner = _trained(parent)
    path = learner.save_checkpoint(tmp_path / "child")
    manifest = read_manifest(path)
    parent_manifest = read_manifest(parent)
    assert manifest["parent_id"] == parent_manifest["id"]
    ref = manifest["config"]["parent"]
    assert ref["id"] == parent_manifest["id"] and ref["relative_path"] == "../parent"
    assert ref["model_sha256"] == parent_manifest["files"]["model.safetensors"]
    assert manifest["config"]["adapters"] == {"bottom": 2, "middle": 4, "top": 2}
    ckpt = load_checkpoint(path)
    stored = [k for part in ("model", "targets") for k in ckpt.parts[part]]
    assert stored and all(k.split("/")[-1].startswith("adapters.") for k in stored)
    assert sum(t.numel() for t in ckpt.parts["model"].values()) == learner.adapted.adapter_parameter_count()
    assert (path / "model.safetensors").stat().st_size < (parent / "model.safetensors").stat().st_size / 4

    network, _ = load_q_network(path)
    assert torch.equal(_q(network), _q(learner.network))
    policy, reference = CEMPolicy.from_checkpoint(path, seed=3), CEMPolicy(learner.network)
    reference.reset(seed=3)
    batch = tiny_batch(seed=9)
    assert np.array_equal(
        policy.act_batch(batch.image, batch.state), reference.act_batch(batch.image, batch.state)
    )


def test_resume_continues_exactly(tmp_path: Path, parent: Path) -> None:
    straight = _trained(parent, steps=4)
    first = _trained(parent, steps=2)
    resumed = AdapterLearner.resume(first.save_checkpoint(tmp_path / "ck"))
    assert resumed.step == 2 and resumed.parent_id == read_manifest(parent)["id"]
    resumed.train(tiny_batches(seed=1)[2:4], num_steps=2)
    for net, other in [
        (straight.network, resumed.network),
        (straight.targets.target2, resumed.targets.target2),
    ]:
        for key, tensor in net.state_dict().items():
            assert torch.equal(tensor, other.state_dict()[key]), key


def test_a_moved_tree_finds_its_parent_relatively_and_a_lost_parent_is_named(tmp_path: Path) -> None:
    parent = _parent(tmp_path / "run" / "parent")
    child = _trained(parent).save_checkpoint(tmp_path / "run" / "child")
    expected = _q(load_q_network(child)[0])
    shutil.move(tmp_path / "run", tmp_path / "moved")
    assert torch.equal(_q(load_q_network(tmp_path / "moved" / "child")[0]), expected)
    shutil.move(tmp_path / "moved" / "parent", tmp_path / "elsewhere")
    with pytest.raises(CheckpointError, match=r"parent checkpoint .* not found"):
        load_q_network(tmp_path / "moved" / "child")
    network, _ = load_q_network(tmp_path / "moved" / "child", parent=tmp_path / "elsewhere")
    assert torch.equal(_q(network), expected)


def test_a_wrong_parent_is_refused(tmp_path: Path, parent: Path) -> None:
    child = _trained(parent).save_checkpoint(tmp_path / "child")
    other = _parent(tmp_path / "other", seed=1)
    with pytest.raises(CheckpointError, match=r"id .* does not match the recorded parent id"):
        load_q_network(child, parent=other)
    with pytest.raises(CheckpointError, match=r"id .* does not match"):
        CEMPolicy.from_checkpoint(child, parent=other)
    # same id, other weights (a consistent checkpoint whose model was swapped): refused by the weights hash
    forged = tmp_path / "forged"
    shutil.copytree(parent, forged)
    weights = load_file(forged / "model.safetensors")
    save_file({k: v + 1 for k, v in weights.items()}, forged / "model.safetensors")
    manifest = json.loads((forged / "manifest.json").read_text())
    manifest["files"]["model.safetensors"] = sha256_bytes((forged / "model.safetensors").read_bytes())
    (forged / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=r"model sha256 .* does not match"):
        load_q_network(child, parent=forged)
    with pytest.raises(CheckpointError, match="is itself an adapter checkpoint"):
        AdapterLearner(child)


def test_full_learner_refuses_adapter_checkpoints_and_full_ones_take_no_parent(
    tmp_path: Path, parent: Path
) -> None:
    child = _trained(parent).save_checkpoint(tmp_path / "child")
    with pytest.raises(CheckpointError, match="only adapter weights"):
        Learner.resume(child)
    with pytest.raises(CheckpointError, match="only adapter weights"):
        Learner.init_from(child)
    with pytest.raises(CheckpointError, match="takes no parent"):
        load_q_network(parent, parent=parent)
    with pytest.raises(CheckpointError, match="not an adapter checkpoint"):
        AdapterLearner.resume(parent)
