"""The Q-network's shape, as a frozen dataclass that checkpoints store (as JSON) and rebuild from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from qtopt_finetune.spaces import ACTION_NAMES, AUTO_DESCEND_ACTIONS, STATE_DIM, STATE_NAMES


@dataclass(frozen=True)
class QNetworkConfig:
    """Sizes of a QT-Opt ("Grasping44"-shaped) Q-network, scaled down by default for 64x64 images on a CPU.

    Image tower: conv 6x6/2 (`tower_channels[0]`), max-pool 3x3 with stride `first_pool_stride`, one
    `tower_kernel` conv per further entry of `tower_channels`, adaptive max-pool to `merge_size`^2.
    Merge: action and state each embedded by a dense layer to the tower's last width, summed, broadcast-added
    onto every position of the feature map. Head: 3x3 convs (`head_channels`; the first has stride 2 and
    stands for QT-Opt's conv + pool), flatten, dense layers (`dense_widths`), one logit.

    The 64x64 defaults were chosen by measurement on a 2-core CPU (see benchmarks/RESULTS.md): GroupNorm
    tripled the cost of a training step, and the head runs once per CEM sample (128 per state in every
    Bellman target), so it is one strided conv. `for_image_size` gives QT-Opt's full widths for big crops.
    """

    image_size: int = 64
    # The camera whose images the network learned from (a grasp log's `camera`, a sim's WorldConfig.camera):
    # it is blind on another camera's images, so evaluation and collection render this one.
    camera: str = "fixed"
    tower_channels: tuple[int, ...] = (16, 32, 32)
    tower_kernel: int = 3  # kernel of the tower's convs after the stem (QT-Opt: 5)
    first_pool_stride: int = 2
    merge_size: int = 8
    head_channels: tuple[int, ...] = (32,)
    dense_widths: tuple[int, ...] = (64, 64)
    norm_groups: int = 0  # GroupNorm groups after each conv; 0 = no normalisation (never BatchNorm)
    rotation_sincos: bool = True  # add sin/cos(pi * drotation) to the action features
    # The state is multiplied by this before its dense layer, so each entry is O(1): gripper closed (0/1)
    # and gripper height (metres, 0-0.3, so x10). Unscaled, the height barely moved its weights.
    state_scale: tuple[float, ...] = (1.0, 10.0)
    # Action entries the network never sees (zeroed before the action's dense layer), by name. A network
    # that ignores AUTO_DESCEND_ACTIONS leaves descending and closing to the robot (auto-descend mode).
    ignored_actions: tuple[str, ...] = ()
    # Also add a copy of the feature map shifted by where the action's dx, dy moves the gripper in the image
    # (a learned 2x2 map from displacement to image shift, through a 1x1 conv): at the gripper's own place
    # the head then sees what lies where the action takes it. Without it the action enters only as a vector
    # added at every place, and Q comes out nearly blind to where an action goes (`qtopt probe`).
    action_shift: bool = False
    # Closing happens where the gripper is: with close_gripper set, the network sees (and the policy sends) a
    # zero displacement and rotation. Scripted logs close only in place, so without this CEM scores closes
    # combined with moves the log never shows, and picks some whose Q is extrapolated
    # (checkpoints/base/README.md, "Why closing in place helps").
    close_in_place: bool = False
    # One more state input after STATE_NAMES: 1.0 on the variation a child was adapted to (its target grasps,
    # and when it acts there), 0.0 on the base robot (the base half of its batches, the base task). Where a
    # variation changes what an action does (a longer or offset gripper) and the wrist camera cannot show it,
    # the base half and the target half teach the same image opposite moves; the input lets the network tell
    # them apart. Its weights start at zero, so a child starts as its parent exactly (variation_input.py).
    variation_input: bool = False

    def __post_init__(self) -> None:
        if self.image_size < 16:
            raise ValueError(f"image_size must be >= 16, got {self.image_size}")
        if not self.camera:
            raise ValueError("camera must name the camera the network learns from")
        if not self.tower_channels or not self.head_channels:
            raise ValueError("tower_channels and head_channels need at least one entry each")
        if self.merge_size < 2 or self.merge_size % 2:
            raise ValueError(f"merge_size must be even and >= 2, got {self.merge_size}")
        if self.image_size // (2 * self.first_pool_stride) < self.merge_size:
            raise ValueError(
                f"image_size {self.image_size} is too small for merge_size {self.merge_size} "
                f"after the stride-2 conv and a pool of stride {self.first_pool_stride}"
            )
        if len(self.state_scale) != STATE_DIM:
            raise ValueError(f"state_scale needs {STATE_DIM} entries {STATE_NAMES}, got {self.state_scale}")
        unknown = [name for name in self.ignored_actions if name not in ACTION_NAMES]
        if unknown or len(set(self.ignored_actions)) != len(self.ignored_actions):
            raise ValueError(
                f"ignored_actions must be distinct names of {ACTION_NAMES}, got {self.ignored_actions}"
            )
        widths = (*self.tower_channels, *self.head_channels)
        if self.norm_groups and any(w % self.norm_groups for w in widths):
            raise ValueError(f"every conv width {widths} must be divisible by norm_groups={self.norm_groups}")

    @property
    def state_inputs(self) -> int:
        """Entries of the state the network takes: STATE_NAMES, and the variation input when it has one."""
        return STATE_DIM + int(self.variation_input)

    @property
    def auto_descend(self) -> bool:
        """True when the network leaves the descent and the grasp to the robot (see AUTO_DESCEND_ACTIONS)."""
        return set(AUTO_DESCEND_ACTIONS) <= set(self.ignored_actions)

    @staticmethod
    def for_image_size(image_size: int) -> QNetworkConfig:
        """The default for 64x64; closer to QT-Opt's full widths (64 channels, six 5x5 convs) above 128."""
        if image_size <= 128:
            return QNetworkConfig(image_size=image_size)
        return QNetworkConfig(
            image_size=image_size,
            tower_channels=(64,) * 7,
            tower_kernel=5,
            first_pool_stride=3,
            merge_size=16,
            head_channels=(64, 64, 64),
            dense_widths=(64, 64),
            norm_groups=8,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> QNetworkConfig:
        known = {f.name for f in fields(QNetworkConfig)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown QNetworkConfig fields: {sorted(unknown)}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return QNetworkConfig(**values)
