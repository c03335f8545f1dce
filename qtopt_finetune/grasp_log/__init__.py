"""The grasp log: every grasp attempt, sim and real, as Parquet shards in the LeRobotDataset v3 layout.

Write with `GraspLogWriter` (many processes may write one log at once; see `writer.py` for how), read with
`GraspLogReader` (filters, streaming, random-access sampling), mix logs with `MixedSampler`. Import from
ROS 2 bags with `import_rosbag`; export a plain LeRobot v3 dataset with `export_lerobot`.
"""

from qtopt_finetune.grasp_log.catalog import GraspLogWarning
from qtopt_finetune.grasp_log.filters import EpisodeFilter
from qtopt_finetune.grasp_log.info import GraspLogFormatError, LogInfo
from qtopt_finetune.grasp_log.lerobot_export import export_lerobot
from qtopt_finetune.grasp_log.reader import GraspLogReader
from qtopt_finetune.grasp_log.records import EpisodeMeta, Step
from qtopt_finetune.grasp_log.rosbag_import import RosbagMapping, import_rosbag
from qtopt_finetune.grasp_log.sampler import MixedSampler
from qtopt_finetune.grasp_log.shortcuts import ShortcutSpec
from qtopt_finetune.grasp_log.writer import GraspLogWriter

__all__ = [
    "EpisodeFilter",
    "EpisodeMeta",
    "GraspLogFormatError",
    "GraspLogReader",
    "GraspLogWarning",
    "GraspLogWriter",
    "LogInfo",
    "MixedSampler",
    "RosbagMapping",
    "ShortcutSpec",
    "Step",
    "export_lerobot",
    "import_rosbag",
]
