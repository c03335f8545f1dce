import json
import uuid
from pathlib import Path

import pytest
import torch

import qtopt_finetune
from qtopt_finetune import checkpoint as ckpt_module
from qtopt_finetune.checkpoint import CheckpointError, load_checkpoint, save_checkpoint, verify_checkpoint


def _parts() -> dict[str, dict[str, torch.Tensor]]:
    gen = torch.Generator().manual_seed(0)
    return {
        "model": {"w": torch.randn(4, 3, generator=gen), "b": torch.randn(3, generator=gen).double()},
        "extra": {
            "step": torch.tensor(7, dtype=torch.int64),
            "state": torch.randint(0, 255, (16,), dtype=torch.uint8, generator=gen),
        },
    }


def _save(path: Path) -> dict:
    return save_checkpoint(
        path,
        _parts(),
        config={"network": {"image_size": 64}},
        step=42,
        parent_id="parent-uuid",
        data_manifest={"logs": ["base", "target"], "mix": 0.5},
        metadata={"extra": {"note": json.dumps({"a": 1})}},
    )


def test_round_trip_is_bit_exact(tmp_path: Path) -> None:
    manifest = _save(tmp_path / "ck")
    loaded = load_checkpoint(tmp_path / "ck")
    assert loaded.manifest == manifest
    for part, tensors in _parts().items():
        assert loaded.parts[part].keys() == tensors.keys()
        for key, tensor in tensors.items():
            assert loaded.parts[part][key].dtype == tensor.dtype
            assert torch.equal(loaded.parts[part][key], tensor)
    assert json.loads(loaded.metadata["extra"]["note"]) == {"a": 1}
    assert loaded.step == 42 and loaded.id == manifest["id"]


def test_manifest_records_provenance(tmp_path: Path) -> None:
    manifest = _save(tmp_path / "ck")
    assert manifest["schema_version"] == ckpt_module.SCHEMA_VERSION
    uuid.UUID(manifest["id"])
    assert manifest["parent_id"] == "parent-uuid"
    assert manifest["data_manifest"] == {"logs": ["base", "target"], "mix": 0.5}
    assert manifest["code_version"]["qtopt_finetune"] == qtopt_finetune.__version__
    assert set(manifest["files"]) == {"model.safetensors", "extra.safetensors"}
    assert all(len(h) == 64 for h in manifest["files"].values())
    assert manifest["created"].endswith("+00:00")


def test_a_flipped_byte_is_refused_naming_the_file(tmp_path: Path) -> None:
    _save(tmp_path / "ck")
    model_file = tmp_path / "ck" / "model.safetensors"
    data = bytearray(model_file.read_bytes())
    data[-3] ^= 0x01
    model_file.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"model\.safetensors fails its sha256 check"):
        load_checkpoint(tmp_path / "ck")
    with pytest.raises(CheckpointError, match=r"model\.safetensors"):
        verify_checkpoint(tmp_path / "ck")
    load_checkpoint(tmp_path / "ck", parts=("extra",))  # the untouched part still loads


def test_an_interrupted_save_leaves_nothing_at_the_final_path(tmp_path: Path, monkeypatch) -> None:
    real_write = ckpt_module._write_bytes
    calls = []

    def failing_write(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed mid-save")
        real_write(path, data)

    monkeypatch.setattr(ckpt_module, "_write_bytes", failing_write)
    with pytest.raises(KeyboardInterrupt):
        _save(tmp_path / "ck")
    assert not (tmp_path / "ck").exists()
    assert list(tmp_path.iterdir()) == []  # the temp folder was cleaned up too


def test_a_crash_before_rename_leaves_only_a_hidden_temp_folder(tmp_path: Path, monkeypatch) -> None:
    def no_rename(src: Path, dst: Path) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(ckpt_module.os, "rename", no_rename)
    monkeypatch.setattr(ckpt_module.shutil, "rmtree", lambda *a, **k: None)  # as if the process died
    with pytest.raises(OSError):
        _save(tmp_path / "ck")
    assert not (tmp_path / "ck").exists()
    leftovers = list(tmp_path.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".ck.tmp-")


def test_existing_path_is_not_overwritten(tmp_path: Path) -> None:
    _save(tmp_path / "ck")
    with pytest.raises(FileExistsError):
        _save(tmp_path / "ck")


def test_loading_never_unpickles(tmp_path: Path, monkeypatch) -> None:
    _save(tmp_path / "ck")

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("torch.load must not be used")

    monkeypatch.setattr(torch, "load", forbidden)
    load_checkpoint(tmp_path / "ck")


def test_missing_or_foreign_folders_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"manifest\.json is missing"):
        load_checkpoint(tmp_path)
    _save(tmp_path / "ck")
    (tmp_path / "ck" / "extra.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"extra\.safetensors is listed in the manifest but missing"):
        load_checkpoint(tmp_path / "ck")
    with pytest.raises(CheckpointError, match="no part 'targets'"):
        load_checkpoint(tmp_path / "ck", parts=("targets",))
