"""Image augmentation as QT-Opt did: random crops (here: pad and crop back) and a small colour jitter.

The same crop offset and the same jitter are applied to a transition's image and next_image, so the
pair stays consistent; every transition draws its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    enabled: bool = True
    crop_padding: int = 4  # pixels of edge padding; the crop is shifted by up to this much each way
    brightness: float = 0.1  # additive, uniform in [-b, b]
    contrast: float = 0.1  # multiplicative around the image mean, uniform in [1-c, 1+c]
    channel_gain: float = 0.05  # per-channel multiplicative, uniform in [1-g, 1+g]


def _uniform(shape: tuple[int, ...], half_width: float, generator: torch.Generator | None) -> torch.Tensor:
    device = generator.device if generator is not None else torch.device("cpu")
    return (torch.rand(shape, generator=generator, device=device) * 2.0 - 1.0) * half_width


def random_shift(images: torch.Tensor, offsets: torch.Tensor, padding: int) -> torch.Tensor:
    """Pad (replicate) by `padding`, crop back to H x W at per-sample `offsets` (B, 2) in [0, 2*padding]."""
    b, _, h, w = images.shape
    padded = F.pad(images, (padding,) * 4, mode="replicate")
    rows = offsets[:, 0:1] + torch.arange(h, device=images.device)  # (B, H)
    cols = offsets[:, 1:2] + torch.arange(w, device=images.device)  # (B, W)
    batch_index = torch.arange(b, device=images.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch_index, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2)


def augment_pair(
    image: torch.Tensor,
    next_image: torch.Tensor,
    config: AugmentConfig,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Augment (B, 3, H, W) floats in [0, 1]; image[i] and next_image[i] get the same crop and jitter."""
    if not config.enabled:
        return image, next_image
    b = image.shape[0]
    both = torch.cat([image, next_image])
    if config.crop_padding > 0:
        device = generator.device if generator is not None else torch.device("cpu")
        offsets = torch.randint(0, 2 * config.crop_padding + 1, (b, 2), generator=generator, device=device)
        both = random_shift(both, offsets.to(image.device).repeat(2, 1), config.crop_padding)
    brightness = _uniform((b, 1, 1, 1), config.brightness, generator).to(image.device).repeat(2, 1, 1, 1)
    contrast = 1.0 + _uniform((b, 1, 1, 1), config.contrast, generator).to(image.device).repeat(2, 1, 1, 1)
    gain = 1.0 + _uniform((b, 3, 1, 1), config.channel_gain, generator).to(image.device).repeat(2, 1, 1, 1)
    mean = both.mean(dim=(1, 2, 3), keepdim=True)
    both = ((both - mean) * contrast + mean + brightness) * gain
    both = both.clamp_(0.0, 1.0)
    return both[:b], both[b:]
