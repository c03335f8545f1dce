"""Episode metadata filters, on the episode table and on what sampling and streaming read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader
from tests.qtopt_finetune.grasp_log.helpers import make_meta, write_log

N = 12


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> GraspLogReader:
    root = tmp_path_factory.mktemp("filters")
    write_log(root, N, episodes_per_shard=5)
    return GraspLogReader(root)


def _numbers(reader: GraspLogReader, **filters: object) -> list[int]:
    times = reader.episodes(**filters)["start_time"].to_numpy()
    return sorted(((times - 1_700_000_000.0) / 60.0).astype(int).tolist())


def _expected(predicate) -> list[int]:  # type: ignore[no-untyped-def]
    return [e for e in range(N) if predicate(make_meta(e), e)]


@pytest.mark.parametrize(
    ("filters", "predicate"),
    [
        ({}, lambda m, e: True),
        ({"variation": "checkerboard"}, lambda m, e: m.variation == "checkerboard"),
        ({"variation": ["base", "harsh_light"]}, lambda m, e: m.variation != "checkerboard"),
        ({"policy_id": "policy-3"}, lambda m, e: m.policy_id == "policy-3"),
        ({"robot": "robot-1"}, lambda m, e: m.robot == "robot-1"),
        ({"source": "real"}, lambda m, e: m.source == "real"),
        ({"success": True}, lambda m, e: m.success),
        ({"start": 1_700_000_000.0 + 60 * 3, "end": 1_700_000_000.0 + 60 * 7}, lambda m, e: 3 <= e < 7),
        (
            {"robot": "robot-0", "success": False, "variation": "base"},
            lambda m, e: m.robot == "robot-0" and not m.success and m.variation == "base",
        ),
        ({"variation": "no such variation"}, lambda m, e: False),
    ],
)
def test_episode_filters(reader: GraspLogReader, filters: dict[str, object], predicate) -> None:  # type: ignore[no-untyped-def]
    assert _numbers(reader, **filters) == _expected(predicate)


def test_select_restricts_sampling_and_streaming(reader: GraspLogReader) -> None:
    sub = reader.select(variation="checkerboard", success=True)
    wanted = set(_expected(lambda m, e: m.variation == "checkerboard" and m.success))
    assert sub.num_episodes == len(wanted) and wanted
    batch = sub.sample(64, np.random.default_rng(0))
    assert set(batch.state[:, 0].astype(int).tolist()) <= wanted
    streamed = np.concatenate([b.state[:, 0] for b in sub.iter_transitions(batch_size=7)])
    assert set(streamed.astype(int).tolist()) == wanted
    assert len(streamed) == sub.num_transitions
    assert _numbers(sub, robot="robot-0") == sorted(e for e in wanted if make_meta(e).robot == "robot-0")


def test_sampling_nothing_is_a_clear_error(reader: GraspLogReader) -> None:
    with pytest.raises(ValueError, match="no transitions to sample"):
        reader.select(variation="no such variation").sample(4, np.random.default_rng(0))


def test_empty_log_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a grasp log"):
        GraspLogReader(tmp_path)
