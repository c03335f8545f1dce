import torch

from qtopt_finetune.augment import AugmentConfig, augment_pair, random_shift


def test_image_and_next_image_get_the_same_crop_and_jitter() -> None:
    images = torch.rand(6, 3, 16, 16)
    out, next_out = augment_pair(images, images.clone(), AugmentConfig(), torch.Generator().manual_seed(0))
    assert torch.equal(out, next_out)
    assert not torch.equal(out, images)
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    # different samples draw different transforms
    same_input = images[:1].expand(6, -1, -1, -1)
    varied, _ = augment_pair(same_input, same_input, AugmentConfig(), torch.Generator().manual_seed(0))
    assert not torch.equal(varied[0], varied[1])


def test_shift_by_padding_is_identity_and_other_offsets_translate() -> None:
    images = torch.rand(2, 3, 8, 8)
    centred = random_shift(images, torch.tensor([[2, 2], [2, 2]]), padding=2)
    assert torch.equal(centred, images)
    shifted = random_shift(images, torch.tensor([[3, 2], [2, 1]]), padding=2)
    assert torch.equal(shifted[0, :, :-1], images[0, :, 1:])  # moved up one row
    assert torch.equal(shifted[1, :, :, 1:], images[1, :, :, :-1])  # moved right one column


def test_disabled_is_identity_and_generator_makes_it_deterministic() -> None:
    images = torch.rand(4, 3, 16, 16)
    out, _ = augment_pair(images, images, AugmentConfig(enabled=False))
    assert out is images
    a, _ = augment_pair(images, images, AugmentConfig(), torch.Generator().manual_seed(3))
    b, _ = augment_pair(images, images, AugmentConfig(), torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
