"""集群填报助手: a filing assistant for Shanghai SME characteristic industrial clusters."""

__version__ = "0.1.0"
