import pytest

from robot_drivers.sim import WorldConfig, parse_variation
from robot_drivers.sim.variations import variation_names


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"variation": "foggy"}, "foggy"),
        ({"variation": ""}, "variation"),
        ({"variation": "base+checkerboard"}, "base"),
        ({"variation": "checkerboard+checkerboard"}, "twice"),
        ({"image_size": 0}, "image_size"),
        ({"image_size": 473}, "image_size"),
        ({"image_size": 64.0}, "image_size"),
        ({"num_objects": -1}, "num_objects"),
        ({"num_objects": 0}, "num_objects"),
        ({"max_steps": 0}, "max_steps"),
        ({"objects": "validation"}, "split"),
        ({"step_penalty": 0.1}, "step_penalty"),
        ({"object_scale": 0.0}, "object_scale"),
        ({"max_translation": float("nan")}, "max_translation"),
        ({"lift_height": 0.05}, "lift_height"),
        ({"camera": "ceiling"}, "camera"),
    ],
)
def test_bad_configuration_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        WorldConfig(**kwargs)  # type: ignore[arg-type]


def test_variations_compose() -> None:
    params = parse_variation("checkerboard+harsh_lighting+offset_gripper")
    assert params.checkerboard and params.harsh_lighting
    assert params.gripper_offset > 0
    assert not params.transparent and params.finger_length_scale == 1.0
    assert variation_names(" transparent + extended_gripper ") == ("transparent", "extended_gripper")


def test_base_is_the_identity() -> None:
    assert parse_variation("base") == parse_variation("base")
    base = parse_variation("base")
    assert not (base.checkerboard or base.harsh_lighting or base.transparent)
    assert base.finger_length_scale == 1.0 and base.gripper_offset == 0.0
