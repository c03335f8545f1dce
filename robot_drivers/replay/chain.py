"""A lineage chain: root -> ... -> a policy, each step a checkpoint folder, followed through `parent_id`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qtopt_finetune.checkpoint import CheckpointError, read_manifest


@dataclass(frozen=True)
class LineageStep:
    id: str  # the checkpoint's id (its manifest's `id`)
    name: str  # a short name a person reads: the folder's name, or the service's name for it
    path: str  # the checkpoint folder


def _step(folder: Path, name: str | None = None) -> tuple[LineageStep, str | None]:
    manifest = read_manifest(folder)
    parent = manifest.get("parent_id")
    return LineageStep(str(manifest["id"]), name or folder.name, str(folder)), (
        str(parent) if parent else None
    )


def chain_from_paths(paths: Sequence[str | Path]) -> list[LineageStep]:
    """The checkpoints in the order given (root first); each must be a checkpoint folder."""
    if not paths:
        raise ValueError("replay: give at least one checkpoint")
    return [_step(Path(p))[0] for p in paths]


def chain_from_folder(folder: str | Path, policy_id: str | None = None) -> list[LineageStep]:
    """The chain ending at `policy_id` (an id or its prefix, or a folder name) among the checkpoint folders
    directly inside `folder`, root first. Without `policy_id`: the longest chain (the newest lineage tip).

    A parent that is not in the folder ends the chain there (the replay starts at the oldest one present).
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"replay: {root} is not a folder of checkpoints")
    steps: dict[str, tuple[LineageStep, str | None]] = {}
    for sub in sorted(p for p in root.iterdir() if (p / "manifest.json").is_file()):
        try:
            step, parent = _step(sub)
        except CheckpointError as exc:
            raise ValueError(f"replay: {sub} is not a usable checkpoint: {exc}") from exc
        steps[step.id] = (step, parent)
    if not steps:
        raise ValueError(f"replay: no checkpoint folders (with a manifest.json) in {root}")

    def chain_to(ident: str) -> list[LineageStep]:
        out: list[LineageStep] = []
        seen: set[str] = set()
        current: str | None = ident
        while current is not None and current in steps and current not in seen:
            seen.add(current)
            step, current = steps[current]
            out.append(step)
        return out[::-1]

    if policy_id is None:
        return max((chain_to(i) for i in steps), key=len)
    matches = [i for i, (s, _) in steps.items() if i.startswith(policy_id) or s.name == policy_id]
    if len(matches) != 1:
        known = ", ".join(f"{s.name} ({i[:8]})" for i, (s, _) in steps.items())
        what = "no checkpoint" if not matches else f"{len(matches)} checkpoints"
        raise ValueError(f"replay: {what} in {root} match {policy_id!r}; known: {known}")
    return chain_to(matches[0])
