"""An optimizer's state_dict as flat tensors (for safetensors) plus a JSON-able dict (everything else)."""

from __future__ import annotations

from typing import Any

import torch

SEP = "."


def flatten_optimizer_state(state_dict: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """-> ({"state.<param>.<key>": tensor}, {"param_groups": ..., "scalars": ..., "tuple_keys": ...})."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param_id, param_state in state_dict["state"].items():
        for key, value in param_state.items():
            if isinstance(value, torch.Tensor):
                tensors[SEP.join(("state", str(param_id), key))] = value.detach().clone().contiguous().cpu()
            else:
                scalars.setdefault(str(param_id), {})[key] = value
    groups = state_dict["param_groups"]
    tuple_keys = sorted({k for g in groups for k, v in g.items() if isinstance(v, tuple)})
    return tensors, {"param_groups": groups, "scalars": scalars, "tuple_keys": tuple_keys}


def unflatten_optimizer_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `flatten_optimizer_state`, ready for `optimizer.load_state_dict`."""
    state: dict[int, dict[str, Any]] = {}
    for name, tensor in tensors.items():
        prefix, param_id, key = name.split(SEP, 2)
        if prefix != "state":
            raise ValueError(f"unexpected optimizer tensor name {name!r}")
        state.setdefault(int(param_id), {})[key] = tensor
    for param_id, values in meta["scalars"].items():
        state.setdefault(int(param_id), {}).update(values)
    tuple_keys = set(meta["tuple_keys"])
    groups = [{k: tuple(v) if k in tuple_keys else v for k, v in g.items()} for g in meta["param_groups"]]
    return {"state": state, "param_groups": groups}
