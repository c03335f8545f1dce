"""The adaptation experiment end to end with tiny budgets: every cell is computed for real, the files have the
documented shape, and a second run reuses every finished cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.pretrain import PretrainJob, pretrain
from robot_drivers.experiments.adaptation_experiment import AdaptationExperiment, run_adaptation_experiment
from robot_drivers.experiments.adaptation_report import checks, write_report
from robot_drivers.experiments.cells import claim_for_base
from robot_drivers.runner import CollectJob, collect
from robot_drivers.sim.variations import VARIATIONS_REVISION

QUIET = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("base")
    collect(CollectJob(str(root / "log"), episodes=4, workers=2, seed=0), show_progress=False)
    job = PretrainJob(
        [str(root / "log")], 2, str(root / "policy"), str(root / "run"), batch_size=8, learner=QUIET
    )
    return root / "log", pretrain(job)


def test_bad_settings_are_refused_by_name(base: tuple[Path, Path], tmp_path: Path) -> None:
    log, policy = base
    with pytest.raises(ValueError, match="fog"):
        AdaptationExperiment(str(policy), str(log), variations=("fog",))
    with pytest.raises(ValueError, match="base_log"):
        AdaptationExperiment(str(policy), str(tmp_path))
    with pytest.raises(ValueError, match="adapter_lr"):
        AdaptationExperiment(str(policy), str(log), adapter_lr=0.0)
    with pytest.raises(ValueError, match="seeds"):
        AdaptationExperiment(str(policy), str(log), seeds=0)


def test_adapters_train_at_their_own_learning_rate(base: tuple[Path, Path]) -> None:
    log, policy = base
    exp = AdaptationExperiment(str(policy), str(log), lr=3e-4, adapter_lr=1e-3)
    assert exp.config(800, "full").lr == 3e-4 and exp.config(800, "adapters").lr == 1e-3
    same = AdaptationExperiment(str(policy), str(log), lr=3e-4)
    assert same.config(800, "adapters").lr == 3e-4


def test_a_work_dir_measured_with_another_base_is_refused(base: tuple[Path, Path], tmp_path: Path) -> None:
    log, policy = base
    work = tmp_path / "work"
    work.mkdir()
    (work / "base.json").write_text(json.dumps({"base_id": "another-base"}))
    exp = AdaptationExperiment(str(policy), str(log), grasps=(1,), episodes=1, steps=1, work_dir=str(work))
    with pytest.raises(ValueError, match="another-base"):
        run_adaptation_experiment(exp, log=lambda line: None, show_progress=False)
    assert sorted(p.name for p in work.iterdir()) == ["base.json"]  # refused before any cell was measured


def test_a_work_dir_measured_under_other_variations_is_refused(
    base: tuple[Path, Path], tmp_path: Path
) -> None:
    log, policy = base
    work = tmp_path / "work"
    work.mkdir()
    base_id = str(read_manifest(policy)["id"])
    (work / "base.json").write_text(json.dumps({"base_id": base_id}))  # written before revisions: 1
    exp = AdaptationExperiment(str(policy), str(log), grasps=(1,), episodes=1, steps=1, work_dir=str(work))
    with pytest.raises(ValueError, match=f"revision 1, and this code defines revision {VARIATIONS_REVISION}"):
        run_adaptation_experiment(exp, log=lambda line: None, show_progress=False)
    assert sorted(p.name for p in work.iterdir()) == ["base.json"]


def test_a_work_dir_trained_with_another_recipe_is_refused(base: tuple[Path, Path], tmp_path: Path) -> None:
    log, policy = base
    work = str(tmp_path / "work")
    exp = AdaptationExperiment(str(policy), str(log), grasps=(1,), steps=1, lr=3e-4, work_dir=work)
    claim_for_base(work, str(read_manifest(policy)["id"]), VARIATIONS_REVISION, exp.recipe)
    other = AdaptationExperiment(
        str(policy),
        str(log),
        grasps=(1,),
        episodes=1,
        steps=1,
        lr=1e-4,
        work_dir=work,
        learner_overrides=(("augment.crop_padding", 8),),
    )
    assert other.config(800).learner_overrides == (("augment.crop_padding", 8),)
    with pytest.raises(ValueError, match="another recipe") as refused:
        run_adaptation_experiment(other, log=lambda line: None, show_progress=False)
    assert "learner_overrides [] -> [['augment.crop_padding', 8]]" in str(refused.value)
    assert "lr 0.0003 -> 0.0001" in str(refused.value)
    assert sorted(p.name for p in Path(work).iterdir()) == ["base.json"]  # refused before any cell
    with pytest.raises(ValueError, match="no such setting"):
        AdaptationExperiment(str(policy), str(log), learner_overrides=(("augment.cropping", 8),))


def test_a_work_dir_claimed_before_recipes_takes_this_runs(base: tuple[Path, Path], tmp_path: Path) -> None:
    log, policy = base
    work = tmp_path / "work"
    work.mkdir()
    base_id = str(read_manifest(policy)["id"])
    claim = {"base_id": base_id, "variations_revision": VARIATIONS_REVISION}
    (work / "base.json").write_text(json.dumps(claim))
    exp = AdaptationExperiment(str(policy), str(log), grasps=(1,), steps=1, work_dir=str(work))
    claim_for_base(work, base_id, VARIATIONS_REVISION, exp.recipe)
    assert json.loads((work / "base.json").read_text())["recipe"] == exp.recipe
    claim_for_base(work, base_id, VARIATIONS_REVISION, exp.recipe)  # the same recipe again: accepted


@pytest.mark.slow
def test_tiny_experiment_writes_every_cell_and_resumes(base: tuple[Path, Path], tmp_path: Path) -> None:
    log, policy = base
    exp = AdaptationExperiment(
        str(policy),
        str(log),
        variations=("checkerboard", "offset_gripper"),
        grasps=(1, 2),
        episodes=2,
        steps=2,
        batch_size=8,
        workers=2,
        seeds=2,
        work_dir=str(tmp_path / "work"),
    )
    lines: list[str] = []
    result = run_adaptation_experiment(exp, log=lines.append, show_progress=False)
    paths = write_report(result, tmp_path / "results", "qtopt experiment adaptation --tiny")

    data = json.loads(paths["json"].read_text())
    assert set(data["variations"]) == {"checkerboard", "offset_gripper"}
    assert data["settings"]["variations_revision"] == VARIATIONS_REVISION
    claim = json.loads((tmp_path / "work" / "base.json").read_text())
    assert claim["variations_revision"] == VARIATIONS_REVISION
    assert f"Variations revision {VARIATIONS_REVISION}" in paths["md"].read_text()
    for v, entry in data["variations"].items():
        assert set(entry["finetune"]) == {"1", "2"} and entry["n"] == 2
        runs = [result.cells[f"{v}/finetune_2_seed{k}"] for k in (0, 1)]
        assert entry["finetune_2_runs"] == [run["success_rate"] for run in runs]
        pooled_cell = result.cells[f"{v}/finetune_2"]
        assert pooled_cell["episodes"] == 4 and pooled_cell["successes"] == sum(r["successes"] for r in runs)
        for key in ("base_policy", "scratch_2", "adapters_2", "continual", "continual_on_base"):
            assert 0.0 <= entry[key] <= 1.0, (v, key)
    assert 0.0 <= data["base_task"] <= 1.0

    children = tmp_path / "work" / "checkpoints"
    base_id = read_manifest(policy)["id"]
    assert read_manifest(children / "checkerboard__finetune_2")["parent_id"] == base_id
    names = ("checkerboard__finetune_2", "checkerboard__finetune_2_seed1")
    assert [read_manifest(children / name)["config"]["learner"]["seed"] for name in names] == [0, 1]
    assert read_manifest(children / names[1])["parent_id"] == base_id
    assert read_manifest(children / "checkerboard__scratch_2")["parent_id"] is None
    assert "adapters" in read_manifest(children / "checkerboard__adapters_2")["config"]
    chain_parent = read_manifest(children / "chain1__offset_gripper")["parent_id"]
    assert chain_parent == read_manifest(children / "checkerboard__finetune_2")["id"]  # the chain goes on
    logs = read_manifest(children / "offset_gripper__finetune_2")["data_manifest"]["logs"]
    assert [entry["weight"] for entry in logs] == [0.5, 0.5] and logs[1]["episodes"] == 2

    md = paths["md"].read_text()
    assert f"(id {base_id[:8]})" in md and data["settings"]["base_id"] == base_id
    assert "| checkerboard |" in md and "| offset_gripper |" in md and "--tiny" in md
    assert len(checks(result)) == 2 * 4 + 1
    assert paths["png"].stat().st_size > 10_000

    stamp = (children / "checkerboard__finetune_2" / "manifest.json").stat().st_mtime_ns
    first_run = len(lines)
    again = run_adaptation_experiment(exp, log=lines.append, show_progress=False)
    assert again.cells == result.cells  # every cell read back from disk
    assert (children / "checkerboard__finetune_2" / "manifest.json").stat().st_mtime_ns == stamp
    assert any(line.startswith("training") for line in lines[:first_run])
    assert not any(line.startswith("training") for line in lines[first_run:])
    assert again.runs == 2 and again.total_seconds >= result.seconds + again.seconds - 0.2
    assert "over 2 runs" in write_report(again, tmp_path / "again", "x")["md"].read_text()
