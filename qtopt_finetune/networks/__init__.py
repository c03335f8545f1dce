"""QT-Opt's Q-network: image tower, action/state merge, head."""

from qtopt_finetune.networks.config import QNetworkConfig
from qtopt_finetune.networks.q_network import QNetwork

__all__ = ["QNetwork", "QNetworkConfig"]
