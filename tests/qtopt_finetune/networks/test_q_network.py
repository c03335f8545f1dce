import pytest
import torch

from qtopt_finetune.networks import QNetwork, QNetworkConfig


@pytest.fixture(scope="module")
def net() -> QNetwork:
    torch.manual_seed(0)
    return QNetwork().eval()


def test_default_shapes_at_64(net: QNetwork) -> None:
    images = torch.rand(3, 3, 64, 64)
    features = net.encode_image(images)
    assert features.shape == (3, 32, 8, 8)
    logits = net.q_from_features(features, torch.rand(3, 2), torch.rand(3, 5, 6) * 2 - 1)
    assert logits.shape == (3, 5)
    q = net.q_values(images, torch.rand(3, 2), torch.rand(3, 6))
    assert q.shape == (3,) and bool(((q > 0) & (q < 1)).all())


def test_broadcast_over_actions_matches_one_action_at_a_time(net: QNetwork) -> None:
    images, state = torch.rand(2, 3, 64, 64), torch.rand(2, 2)
    actions = torch.rand(2, 4, 6) * 2 - 1
    with torch.no_grad():
        together = net.q_from_features(net.encode_image(images), state, actions)
        one_by_one = torch.stack([net(images, state, actions[:, i]) for i in range(4)], dim=1)
    torch.testing.assert_close(together, one_by_one, rtol=1e-5, atol=1e-5)


def test_a_state_scores_the_same_alone_or_in_a_batch(net: QNetwork) -> None:
    """No BatchNorm: CEM's scores must not depend on which other states share the batch."""
    images, state, action = torch.rand(4, 3, 64, 64), torch.rand(4, 2), torch.rand(4, 6)
    with torch.no_grad():
        batched = net(images, state, action)
        alone = net(images[1:2], state[1:2], action[1:2])
    torch.testing.assert_close(batched[1:2], alone, rtol=1e-5, atol=1e-5)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in net.modules())


def test_module_structure_has_tower_merge_head(net: QNetwork) -> None:
    names = {name for name, _ in net.named_children()}
    assert names == {"tower", "merge", "head"}


def test_config_round_trips_through_json_types() -> None:
    config = QNetworkConfig(image_size=96, head_channels=(16, 16, 16))
    data = config.to_dict()
    data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}  # as JSON gives it back
    assert QNetworkConfig.from_dict(data) == config
    with pytest.raises(ValueError, match="unknown"):
        QNetworkConfig.from_dict({**data, "width": 3})


def test_larger_images_are_configurable() -> None:
    config = QNetworkConfig.for_image_size(128)
    net = QNetwork(QNetworkConfig(image_size=128, first_pool_stride=3, merge_size=8))
    assert config.image_size == 128
    assert net.encode_image(torch.rand(1, 3, 128, 128)).shape == (1, 32, 8, 8)
    big = QNetworkConfig.for_image_size(472)
    assert big.tower_channels == (64,) * 7 and big.merge_size == 16


def test_wrong_image_size_is_refused(net: QNetwork) -> None:
    with pytest.raises(ValueError, match="64, 64"):
        net.encode_image(torch.rand(1, 3, 48, 48))


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ValueError, match="norm_groups"):
        QNetworkConfig(tower_channels=(30, 30), norm_groups=4)
    with pytest.raises(ValueError, match="too small"):
        QNetworkConfig(image_size=32, merge_size=16)
    with pytest.raises(ValueError, match="state_scale"):
        QNetworkConfig(state_scale=(1.0,))


def test_state_is_scaled_before_its_embedding() -> None:
    """Scaling the height input by k is the same as scaling the state_dense weights' height column by k."""
    torch.manual_seed(0)
    scaled = QNetwork(QNetworkConfig(state_scale=(1.0, 10.0))).eval()
    plain = QNetwork(QNetworkConfig(state_scale=(1.0, 1.0))).eval()
    plain.load_state_dict(scaled.state_dict())
    image = torch.rand(2, 3, 64, 64)
    state = torch.tensor([[0.0, 0.05], [1.0, 0.2]])
    actions = torch.rand(2, 3, 6)
    with torch.no_grad():
        q_scaled = scaled.q_from_features(scaled.encode_image(image), state, actions)
        q_plain = plain.q_from_features(plain.encode_image(image), state * torch.tensor([1.0, 10.0]), actions)
        q_unscaled = plain.q_from_features(plain.encode_image(image), state, actions)
    torch.testing.assert_close(q_scaled, q_plain)
    assert not torch.allclose(q_scaled, q_unscaled)


def test_ignored_actions_do_not_change_q_and_the_rest_do() -> None:
    from qtopt_finetune.spaces import AUTO_DESCEND_ACTIONS

    torch.manual_seed(0)
    config = QNetworkConfig(ignored_actions=AUTO_DESCEND_ACTIONS)
    assert config.auto_descend and not QNetworkConfig().auto_descend
    net = QNetwork(config).eval()
    images, state = torch.rand(2, 3, 64, 64), torch.tensor([[0.0, 0.2], [0.0, 0.1]])
    actions = torch.rand(2, 16, 6) * 2 - 1
    features = net.encode_image(images)
    q = net.q_from_features(features, state, actions)
    scrambled = actions.clone()
    scrambled[..., [2, 4, 5]] = torch.rand(2, 16, 3)  # dz, close_gripper, terminate
    assert torch.equal(net.q_from_features(features, state, scrambled), q)
    moved = actions.clone()
    moved[..., 0] += 0.5  # dx is seen
    assert not torch.allclose(net.q_from_features(features, state, moved), q)
    assert QNetworkConfig.from_dict(config.to_dict()) == config  # JSON lists come back as the tuple
    with pytest.raises(ValueError, match="ignored_actions"):
        QNetworkConfig(ignored_actions=("dzz",))


def test_action_shift_sees_what_lies_where_the_action_goes() -> None:
    torch.manual_seed(0)
    net = QNetwork(QNetworkConfig(action_shift=True)).eval()
    shift = net.merge.shift
    assert shift is not None
    images, state = torch.rand(2, 3, 64, 64), torch.rand(2, 2)
    actions = torch.rand(2, 4, 6) * 2 - 1
    with torch.no_grad():  # CEM's broadcast over actions still equals one action at a time
        together = net.q_from_features(net.encode_image(images), state, actions)
        one_by_one = torch.stack([net(images, state, actions[:, i]) for i in range(4)], dim=1)
    torch.testing.assert_close(together, one_by_one, rtol=1e-5, atol=1e-5)
    # a one-hot feature map: with the map from (dx, dy) to image shift set to the identity, moving by
    # dx = 0.25 (an eighth of the image's [-1, 1] width) shows at each place the value one cell to its right
    features = torch.zeros(1, 32, 8, 8)
    features[0, :, 3, 5] = 1.0
    with torch.no_grad():
        shift.to_image.weight.copy_(torch.eye(2))
        shift.mix.weight.copy_(torch.eye(32)[:, :, None, None])
        shift.mix.bias.zero_()
        action = torch.zeros(1, 1, 6)
        action[0, 0, 0] = 0.25
        seen = shift(features, action)[0, 0]
    assert seen[3, 4] == pytest.approx(1.0) and seen.sum() == pytest.approx(1.0)


def test_action_shift_learns_its_map_from_zero_and_off_leaves_old_checkpoints_loadable() -> None:
    torch.manual_seed(0)
    net = QNetwork(QNetworkConfig(action_shift=True))
    assert net.merge.shift is not None and torch.all(net.merge.shift.to_image.weight == 0)
    net(torch.rand(4, 3, 64, 64), torch.rand(4, 2), torch.rand(4, 6) * 2 - 1).sum().backward()
    assert net.merge.shift.to_image.weight.grad is not None
    assert torch.any(net.merge.shift.to_image.weight.grad != 0)
    plain = QNetwork(QNetworkConfig())
    assert not any("shift" in key for key in plain.state_dict())  # no new keys without the option


def test_close_in_place_scores_a_close_without_its_move() -> None:
    torch.manual_seed(0)
    net = QNetwork(QNetworkConfig(close_in_place=True)).eval()
    features, state = net.encode_image(torch.rand(2, 3, 64, 64)), torch.rand(2, 2)
    closing = torch.rand(2, 3, 6) * 2 - 1
    closing[..., 4] = 1.0
    still = closing.clone()
    still[..., :4] = 0.0
    moving = closing.clone()
    moving[..., 4] = 0.0
    moving_still = still.clone()
    moving_still[..., 4] = 0.0
    with torch.no_grad():
        # a close is scored as a close where the gripper is, whatever move came with it
        assert torch.equal(
            net.q_from_features(features, state, closing), net.q_from_features(features, state, still)
        )
        # a move without a close still counts
        assert not torch.allclose(
            net.q_from_features(features, state, moving), net.q_from_features(features, state, moving_still)
        )
        plain = QNetwork(QNetworkConfig()).eval()
        plain.load_state_dict(net.state_dict())  # no new weights: only what the network sees changes
        assert not torch.allclose(
            plain.q_from_features(features, state, closing), plain.q_from_features(features, state, still)
        )
