"""Learner settings changed by name: nested names, types kept, and bad names or values refused by name."""

import pytest

from qtopt_finetune.learner_config import LearnerConfig, parse_learner_overrides, with_overrides


def test_overrides_change_nested_settings_and_keep_their_types() -> None:
    base = LearnerConfig(lr=3e-4)
    changed = with_overrides(base, {"augment.crop_padding": 8.0, "bellman.cem.iterations": 3, "tau": 0.01})
    assert changed.augment.crop_padding == 8 and isinstance(changed.augment.crop_padding, int)
    assert changed.bellman.cem.iterations == 3 and changed.tau == 0.01
    assert changed.lr == 3e-4 and changed.augment.brightness == base.augment.brightness  # the rest is kept
    assert with_overrides(base, {}) == base


def test_on_off_settings_take_one_or_zero() -> None:
    on = with_overrides(LearnerConfig(), {"bellman.mc_lower_bound": 1.0, "augment.enabled": 0.0})
    assert on.bellman.mc_lower_bound is True and on.augment.enabled is False
    with pytest.raises(ValueError, match=r"'bellman.mc_lower_bound' is on \(1\) or off \(0\), got 0.5"):
        with_overrides(LearnerConfig(), {"bellman.mc_lower_bound": 0.5})


def test_bad_overrides_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match=r"'augment.nope'.*no such setting"):
        with_overrides(LearnerConfig(), {"augment.nope": 1.0})
    with pytest.raises(ValueError, match=r"'augment'.*no such setting"):
        with_overrides(LearnerConfig(), {"augment": 1.0})
    with pytest.raises(ValueError, match=r"'optimizer'.*numeric"):
        with_overrides(LearnerConfig(), {"optimizer": 1.0})
    with pytest.raises(ValueError, match=r"'augment.crop_padding' is a whole number"):
        with_overrides(LearnerConfig(), {"augment.crop_padding": 2.5})
    with pytest.raises(ValueError, match="conservative_weight >= 0"):
        with_overrides(LearnerConfig(), {"conservative_weight": -1.0})


def test_command_line_overrides_parse_or_name_the_bad_item() -> None:
    assert parse_learner_overrides(["augment.crop_padding=8", " tau = 0.01"]) == (
        ("augment.crop_padding", 8.0),
        ("tau", 0.01),
    )
    for bad in ("crop_padding", "=3", "tau=fast"):
        with pytest.raises(ValueError, match="KEY=NUMBER"):
            parse_learner_overrides([bad])
