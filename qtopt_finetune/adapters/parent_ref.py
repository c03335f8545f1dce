"""An adapter checkpoint's reference to its parent: id, sha256 of the parent's weights, where to find it."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qtopt_finetune.checkpoint import MODEL_PART, Checkpoint, CheckpointError, load_checkpoint

MODEL_FILE = f"{MODEL_PART}.safetensors"


@dataclass(frozen=True)
class ParentRef:
    """id: the parent's manifest id; model_sha256: its model.safetensors hash (the frozen base weights);
    path: where it was (absolute); relative_path: the same, relative to the adapter checkpoint's folder, so
    a run tree moved as a whole still finds it."""

    id: str
    model_sha256: str
    path: str
    relative_path: str | None = None

    @staticmethod
    def of(parent: Checkpoint) -> ParentRef:
        if MODEL_FILE not in parent.manifest["files"]:
            raise CheckpointError(f"parent checkpoint {parent.path} has no {MODEL_FILE}")
        return ParentRef(parent.id, parent.manifest["files"][MODEL_FILE], str(Path(parent.path).resolve()))

    def relative_to(self, child: Path) -> ParentRef:
        """A copy whose relative_path is the parent's path seen from the child checkpoint folder."""
        relative = os.path.relpath(self.path, Path(child).resolve())
        return ParentRef(self.id, self.model_sha256, self.path, relative)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> ParentRef:
        try:
            return ParentRef(**data)
        except TypeError as e:
            raise CheckpointError(f"config.parent: malformed parent reference {data!r} ({e})") from e

    def candidates(self, child: Path | None) -> list[Path]:
        found = [Path(child) / self.relative_path] if child is not None and self.relative_path else []
        return [*found, Path(self.path)]


def load_parent(ref: ParentRef, child: Path | None = None, parent: str | Path | None = None) -> Checkpoint:
    """The parent's model part, from `parent` if given, else from the recorded paths; refuses a checkpoint
    whose id or weights hash differs from the reference, or which is itself an adapter checkpoint."""
    paths = [Path(parent)] if parent is not None else ref.candidates(child)
    path = next((p for p in paths if p.is_dir()), None)
    if path is None:
        raise CheckpointError(
            f"parent checkpoint {ref.id} not found (looked at {[str(p) for p in paths]}): "
            "pass its folder as parent"
        )
    ckpt = load_checkpoint(path, parts=(MODEL_PART,))  # sha256 of the file checked against its manifest
    actual = ParentRef.of(ckpt)
    if actual.id != ref.id:
        raise CheckpointError(f"parent {path}: id {actual.id} does not match the recorded parent id {ref.id}")
    if actual.model_sha256 != ref.model_sha256:
        raise CheckpointError(
            f"parent {path}: model sha256 {actual.model_sha256[:16]}... does not match the recorded "
            f"{ref.model_sha256[:16]}...: these are not the weights the adapters were trained on"
        )
    if "adapters" in ckpt.manifest["config"]:
        raise CheckpointError(f"parent {path} is itself an adapter checkpoint; adapters need a full parent")
    return ckpt
