"""Action-agnostic pretraining from unlabeled grasp video: frames -> "hidden units" by k-means over an
encoder's embeddings, a forward model that predicts the next units from past frames, and a Q-network whose
image tower starts from that model's trunk. Frames only: no action, no reward, no success label is read."""

from qtopt_finetune.video.codebook import ASSIGNMENTS, Assignment, UnitCodebook
from qtopt_finetune.video.embeddings import frame_embeddings
from qtopt_finetune.video.forward_model import UnitForwardModel
from qtopt_finetune.video.frames import FRAME_COLUMNS, read_clips
from qtopt_finetune.video.pretraining import VideoPretrainConfig, pretrain_tower, save_tower_init

__all__ = [
    "ASSIGNMENTS",
    "FRAME_COLUMNS",
    "Assignment",
    "UnitCodebook",
    "UnitForwardModel",
    "VideoPretrainConfig",
    "frame_embeddings",
    "pretrain_tower",
    "read_clips",
    "save_tower_init",
]
