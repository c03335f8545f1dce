"""Lineage replay: a three-node lineage on two variations, on local Ray, with few episodes; the files are
checked against each other and against a direct evaluation of the same episodes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from PIL import Image

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from robot_drivers.replay import ReplayJob, chain_from_folder, chain_from_paths, replay_lineage
from robot_drivers.runner import CollectJob, collect

QUIET = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)


@pytest.fixture(scope="module")
def lineage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """base -> v1 -> v2, real checkpoints written by the learner (v1 and v2 fine-tuned from their parent)."""
    folder = tmp_path_factory.mktemp("lineage")
    Learner(config=QUIET).save_checkpoint(folder / "a_base")
    Learner.init_from(folder / "a_base", QUIET).save_checkpoint(folder / "c_v1")
    Learner.init_from(folder / "c_v1", QUIET).save_checkpoint(folder / "b_v2")  # names sort out of order
    Learner(config=QUIET).save_checkpoint(folder / "z_unrelated")
    return folder


def test_the_chain_is_followed_through_parent_ids(lineage: Path) -> None:
    assert [s.name for s in chain_from_folder(lineage)] == ["a_base", "c_v1", "b_v2"]
    assert [s.name for s in chain_from_folder(lineage, "c_v1")] == ["a_base", "c_v1"]
    v2 = chain_from_folder(lineage)[-1]
    assert chain_from_folder(lineage, v2.id[:10])[-1] == v2
    with pytest.raises(ValueError, match=r"no checkpoint .* match 'nope'"):
        chain_from_folder(lineage, "nope")
    with pytest.raises(ValueError, match="not a checkpoint"):
        chain_from_paths([lineage])


def test_an_unknown_variation_is_refused_by_name(lineage: Path) -> None:
    with pytest.raises(ValueError, match="fog"):
        ReplayJob(chain_from_folder(lineage), ["base", "fog"])


@pytest.mark.slow
def test_a_three_node_lineage_replays_on_two_variations(lineage: Path, tmp_path: Path) -> None:
    chain = chain_from_folder(lineage)
    job = ReplayJob(
        chain,
        ["base", "checkerboard"],
        episodes=3,
        out=str(tmp_path / "replay"),
        chunk=2,
        gif_episodes=1,
        gif_size=64,
    )
    matrix = replay_lineage(job, show_progress=False, command="qtopt replay --test")
    out = tmp_path / "replay"

    with (out / "forgetting.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["checkpoint"], r["variation"]) for r in rows] == [
        (s.name, v) for s in chain for v in ("base", "checkerboard")
    ]
    assert all(int(r["episodes"]) == 3 for r in rows)
    for r in rows:
        assert float(r["ci_low"]) <= float(r["success_rate"]) <= float(r["ci_high"])

    # the cell equals a direct evaluation of the same checkpoint on the same episode seeds
    direct = collect(
        CollectJob(None, 3, "checkerboard", chain[1].path, seed=job.seed, objects="test"), show_progress=False
    )
    cell = next(r for r in rows if r["checkpoint"] == "c_v1" and r["variation"] == "checkerboard")
    assert int(cell["successes"]) == direct.successes == matrix.rate(1, "checkerboard").successes

    data = json.loads((out / "forgetting.json").read_text())
    assert [c["id"] for c in data["chain"]] == [s.id for s in chain]
    assert data["command"] == "qtopt replay --test"
    with Image.open(out / "forgetting.png") as png:
        assert png.size[0] > 200 and png.size[1] > 100
    page = (out / "index.html").read_text()
    for step in chain:
        assert step.name in page and step.id[:8] in page
    assert len(data["gifs"]) == 6
    for name in data["gifs"].values():
        assert name in page
        with Image.open(out / name) as gif:
            assert gif.format == "GIF" and gif.n_frames >= 3
