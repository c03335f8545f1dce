"""Checkpoints: a folder of safetensors files plus `manifest.json`; written atomically, verified on load.

    <checkpoint>/model.safetensors       the online Q-network (always)
    <checkpoint>/<part>.safetensors      other parts a writer adds (targets, optimizer, rng, ...)
    <checkpoint>/manifest.json           schema, id, time, config, parent, data, code version, step, sha256s

Never pickle: tensors are safetensors, everything else JSON (a part's non-tensor data goes into its
safetensors metadata, so its hash covers it). A checkpoint is written into a hidden temp folder next to
its destination, fsynced and renamed into place: the final path holds a whole checkpoint or nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from qtopt_finetune.code_version import code_version

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
MODEL_PART = "model"


class CheckpointError(ValueError):
    """A checkpoint is missing, malformed, of an unknown schema, or fails its sha256 check."""


@dataclass
class Checkpoint:
    path: Path
    manifest: dict[str, Any]
    parts: dict[str, dict[str, torch.Tensor]]  # part name -> tensors
    metadata: dict[str, dict[str, str]]  # part name -> safetensors metadata (JSON strings)

    @property
    def id(self) -> str:
        return str(self.manifest["id"])

    @property
    def step(self) -> int:
        return int(self.manifest["step"])


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cpu_tensors(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}


def save_checkpoint(
    path: str | Path,
    parts: dict[str, dict[str, torch.Tensor]],
    *,
    config: dict[str, Any],
    step: int,
    parent_id: str | None = None,
    data_manifest: dict[str, Any] | None = None,
    metadata: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Write a checkpoint folder at `path` (which must not exist) and return its manifest."""
    final = Path(path)
    if MODEL_PART not in parts:
        raise ValueError(f"a checkpoint needs a {MODEL_PART!r} part, got {sorted(parts)}")
    if final.exists():
        raise FileExistsError(f"checkpoint path already exists: {final}")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        files: dict[str, str] = {}
        for name, tensors in parts.items():
            data = save_safetensors_bytes(_cpu_tensors(tensors), metadata=(metadata or {}).get(name))
            _write_bytes(tmp / f"{name}.safetensors", data)
            files[f"{name}.safetensors"] = sha256_bytes(data)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "id": str(uuid.uuid4()),
            "created": datetime.now(UTC).isoformat(),
            "config": config,
            "parent_id": parent_id,
            "data_manifest": data_manifest or {},
            "code_version": code_version(),
            "step": int(step),
            "files": files,
        }
        _write_bytes(tmp / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        _fsync_dir(tmp)
        os.rename(tmp, final)
        _fsync_dir(final.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(path: str | Path) -> dict[str, Any]:
    manifest_path = Path(path) / MANIFEST
    if not manifest_path.is_file():
        raise CheckpointError(f"not a checkpoint: {manifest_path} is missing")
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{manifest_path}: not valid JSON ({e})") from e
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise CheckpointError(
            f"{manifest_path}: schema_version {manifest.get('schema_version')!r}, "
            f"this code reads {SCHEMA_VERSION}"
        )
    return manifest


def record_metrics(path: str | Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """Merge `metrics` (JSON values, e.g. evaluation results) into the checkpoint's manifest, atomically.

    The weights and their hashes are untouched; a crash leaves the old manifest or the new one, never half.
    """
    folder = Path(path)
    manifest = read_manifest(folder)
    manifest["metrics"] = {**manifest.get("metrics", {}), **metrics}
    tmp = folder / f".{MANIFEST}.tmp-{uuid.uuid4().hex[:12]}"
    try:
        _write_bytes(tmp, json.dumps(manifest, indent=2, sort_keys=True).encode())
        os.replace(tmp, folder / MANIFEST)
        _fsync_dir(folder)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _read_verified(folder: Path, file_name: str, expected: str) -> bytes:
    file_path = folder / file_name
    if not file_path.is_file():
        raise CheckpointError(f"checkpoint {folder}: {file_name} is listed in the manifest but missing")
    data = file_path.read_bytes()
    actual = sha256_bytes(data)
    if actual != expected:
        raise CheckpointError(
            f"checkpoint {folder}: {file_name} fails its sha256 check (manifest {expected[:16]}..., "
            f"file {actual[:16]}...): it was modified or corrupted; refusing to load it"
        )
    return data


def _metadata_of(data: bytes) -> dict[str, str]:
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_len])
    meta: dict[str, str] = header.get("__metadata__", {})
    return meta


def load_checkpoint(path: str | Path, parts: tuple[str, ...] | None = None) -> Checkpoint:
    """Load (CPU tensors) the listed parts, or all; every file read is sha256-checked before parsing."""
    folder = Path(path)
    manifest = read_manifest(folder)
    files: dict[str, str] = manifest["files"]
    wanted = parts if parts is not None else tuple(f.removesuffix(".safetensors") for f in files)
    loaded: dict[str, dict[str, torch.Tensor]] = {}
    meta: dict[str, dict[str, str]] = {}
    for name in wanted:
        file_name = f"{name}.safetensors"
        if file_name not in files:
            raise CheckpointError(f"checkpoint {folder} has no part {name!r} (has {sorted(files)})")
        data = _read_verified(folder, file_name, files[file_name])
        loaded[name] = load_safetensors_bytes(data)
        meta[name] = _metadata_of(data)
    return Checkpoint(path=folder, manifest=manifest, parts=loaded, metadata=meta)


def verify_checkpoint(path: str | Path) -> dict[str, Any]:
    """Check every file's sha256; return the manifest or raise CheckpointError naming the bad file."""
    folder = Path(path)
    manifest = read_manifest(folder)
    for file_name, expected in manifest["files"].items():
        _read_verified(folder, file_name, expected)
    return manifest
