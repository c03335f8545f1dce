"""The variation input (QNetworkConfig.variation_input): one more state entry, 1.0 on the variation a child
was adapted to and 0.0 on the base robot.

A child learns from two robots at once: half its batch is the base log, half its target grasps. Where the
variation changes what an action does and the image does not show it (a longer or an offset gripper seen
from the wrist camera), the two halves teach the same image different moves, and the child learns a
compromise: the extended_gripper node of the continual chain keeps 0.57 of the base's 0.83 on the base task
(results/adaptation.md). With the input, the network can tell the halves apart. Measured (benchmarks/
RESULTS.md, "Telling the child which robot a grasp came from"): the children keep the base task (0.61-0.78)
but their own variation gains at most a few points, not significantly; off by default.

The input enters through its own dense layer, whose weights start at zero: a child made from a parent
without one computes the parent's Q-values exactly, whatever the input says, until training moves them.
The checkpoint's data manifest names the variations that were 1.0 (`variation_input`), and a policy acting
on one of them is given 1.0, on any other 0.0 (`input_for`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

# the data manifest's key: {"variations": [names the input was 1.0 for]}
MANIFEST_KEY = "variation_input"
WEIGHT = "merge.variation_dense.weight"


def load_parent_weights(network: nn.Module, parent_state: Mapping[str, torch.Tensor]) -> None:
    """The parent's weights into `network`; a network with a variation input its parent lacks keeps that
    input's weights as ActionStateMerge made them, zero (the only key the parent may miss)."""
    missing, unexpected = network.load_state_dict(dict(parent_state), strict=False)
    if unexpected or set(missing) - {WEIGHT}:
        raise ValueError(
            f"the parent's weights do not fit the child's network: missing {sorted(missing)}, "
            f"unexpected {sorted(unexpected)}"
        )


def manifest_entry(variations: Sequence[str]) -> dict[str, Any]:
    return {MANIFEST_KEY: {"variations": sorted(set(variations))}}


def input_for(data_manifest: Mapping[str, Any], variation: str) -> float:
    """The input's value for a policy acting on `variation`: 1.0 for one the checkpoint's input was 1.0
    for, else 0.0."""
    entry = data_manifest.get(MANIFEST_KEY) or {}
    return 1.0 if variation in entry.get("variations", ()) else 0.0
