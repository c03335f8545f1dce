"""The image codec: the fast JPEG path gives Pillow's pixels, and anything it cannot take falls back."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from qtopt_finetune.grasp_log.codec import decode_image, decode_into, encode_image


def _image(seed: int, shape: tuple[int, int] = (64, 64)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    # smooth blocks plus noise: JPEG-like content, not pure noise
    img = np.kron(base, np.ones((shape[0] // 8, shape[1] // 8, 1), dtype=np.uint8))
    return np.clip(img.astype(int) + rng.integers(-20, 20, size=img.shape), 0, 255).astype(np.uint8)


def _pillow_decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as pil:
        return np.asarray(pil.convert("RGB"))


@pytest.mark.parametrize("shape", [(64, 64), (48, 80)])
def test_the_fast_jpeg_path_gives_exactly_pillows_pixels(shape: tuple[int, int]) -> None:
    data = encode_image(_image(1, shape), "jpeg")
    fast = decode_image(data, shape)
    assert fast.shape == (*shape, 3) and fast.dtype == np.uint8
    np.testing.assert_array_equal(fast, _pillow_decode(data))


def test_png_round_trips_losslessly() -> None:
    img = _image(2)
    np.testing.assert_array_equal(decode_image(encode_image(img, "png"), (64, 64)), img)


def test_a_jpeg_of_another_size_is_refused_with_both_sizes_named() -> None:
    data = encode_image(_image(3, (32, 32)), "jpeg")
    with pytest.raises(ValueError, match=r"\(32, 32\), expected \(64, 64\)"):
        decode_image(data, (64, 64))
    out = np.zeros((2, 64, 64, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="expected"):
        decode_into(out, [data, data], (64, 64))


def test_corrupt_jpeg_bytes_raise_not_return_garbage() -> None:
    data = encode_image(_image(4), "jpeg")
    with pytest.raises((ValueError, OSError)):
        decode_image(data[:2] + b"\x00" * 64, (64, 64))


def test_decode_into_fills_every_row_even_when_rows_are_not_contiguous() -> None:
    imgs = [_image(10 + i) for i in range(5)]
    blobs = [encode_image(im, "jpeg") for im in imgs]
    expected = np.stack([_pillow_decode(b) for b in blobs])
    out = np.zeros((5, 64, 64, 3), dtype=np.uint8)
    decode_into(out, blobs, (64, 64))
    np.testing.assert_array_equal(out, expected)
    # a strided view (every other column): the fast path cannot write into it, the fallback must
    wide = np.zeros((5, 64, 128, 3), dtype=np.uint8)
    decode_into(wide[:, :, ::2], blobs, (64, 64))
    np.testing.assert_array_equal(wide[:, :, ::2], expected)
    assert not wide[:, :, 1::2].any()
