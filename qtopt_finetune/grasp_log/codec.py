"""Image bytes <-> uint8 arrays (JPEG or PNG).

Encoding is Pillow's. JPEG decoding of a known-size RGB image goes to simplejpeg (libjpeg-turbo's
TurboJPEG API, same pixels as Pillow's default decoder) straight into the caller's buffer: 30 us for a
64x64 q95 image here against 62-74 us through Pillow's `Image.frombytes` and 43 us through OpenCV
(benchmarks/RESULTS.md, grasp log). Both release the GIL while decoding, so a thread pool decodes in
parallel. Anything else (PNG, an unknown size, a broken file) takes Pillow's general path, whose error
says what is wrong.
"""

from __future__ import annotations

import io

import numpy as np
import simplejpeg
from PIL import Image

JPEG_MAGIC = b"\xff\xd8"
PNG_MAGIC = b"\x89PNG"


def encode_image(image: np.ndarray, image_format: str, jpeg_quality: int = 95) -> bytes:
    buf = io.BytesIO()
    pil = Image.fromarray(np.ascontiguousarray(image), mode="RGB")
    if image_format == "jpeg":
        pil.save(buf, format="JPEG", quality=jpeg_quality)
    elif image_format == "png":
        pil.save(buf, format="PNG", compress_level=1)
    else:
        raise ValueError(f"image_format must be 'jpeg' or 'png', got {image_format!r}")
    return buf.getvalue()


def _decode_jpeg_into(data: bytes, out: np.ndarray) -> bool:
    """Decode a JPEG of exactly out's (H, W) into `out`; False when it is not one (caller falls back)."""
    try:
        got = simplejpeg.decode_jpeg(data, colorspace="RGB", buffer=out)
    except ValueError:
        return False
    # simplejpeg accepts a buffer larger than the image and fills only its head: the size must match.
    return bool(got.shape == out.shape)


def _decode_general(data: bytes, shape: tuple[int, int] | None) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as pil:
        out = np.asarray(pil.convert("RGB"))
    if shape is not None and out.shape[:2] != shape:
        raise ValueError(f"image is {out.shape[:2]}, expected {shape}")
    return out


def _decode_to(row: np.ndarray, data: bytes, shape: tuple[int, int]) -> None:
    """Decode into `row` (uint8 (H, W, 3)): JPEG straight into it where it can, else Pillow and a copy."""
    if data[:2] == JPEG_MAGIC and row.flags.c_contiguous and _decode_jpeg_into(data, row):
        return
    row[...] = _decode_general(data, shape)


def decode_image(data: bytes, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Decode JPEG or PNG bytes to uint8 (H, W, 3). With `shape` (H, W), JPEG takes the fast path."""
    if shape is None:
        return _decode_general(data, None)
    out = np.empty((*shape, 3), dtype=np.uint8)
    _decode_to(out, data, shape)
    return out


def decode_into(
    out: np.ndarray, blobs: list[bytes], shape: tuple[int, int], rows: np.ndarray | None = None
) -> None:
    """Decode `blobs[i]` into `out[rows[i]]` (`out[i]` without rows); out is uint8 (N, H, W, 3)."""
    for i, data in enumerate(blobs):
        _decode_to(out[i if rows is None else rows[i]], data, shape)
