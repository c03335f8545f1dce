"""A checkpoint folder as one download, served by the service and unpacked by robots: a deterministic tar
(sorted names, no times or owners) and its sha256.

The same folder always gives the same bytes, so the hash recorded when a policy is registered is the hash a
robot checks after downloading it. The files inside also carry their own sha256s in `manifest.json`.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

from qtopt_finetune.checkpoint import verify_checkpoint


def archive_bytes(folder: str | Path) -> bytes:
    root = Path(folder)
    verify_checkpoint(root)  # never hand out a checkpoint whose files fail their own hashes
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in root.iterdir() if p.is_file()):
            data = path.read_bytes()
            info = tarfile.TarInfo(name=path.name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def archive_sha256(folder: str | Path) -> str:
    return hashlib.sha256(archive_bytes(folder)).hexdigest()


def extract_archive(data: bytes, expected_sha256: str, dest: str | Path) -> Path:
    """Check the hash, then unpack plain files only (no links, no paths) into `dest`."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise ValueError(f"checkpoint archive sha256 {actual[:16]}... != expected {expected_sha256[:16]}...")
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        for member in tar.getmembers():
            if not member.isfile() or "/" in member.name or member.name.startswith("."):
                raise ValueError(f"checkpoint archive: refusing member {member.name!r}")
            extracted = tar.extractfile(member)
            assert extracted is not None
            (out / member.name).write_bytes(extracted.read())
    verify_checkpoint(out)
    return out
