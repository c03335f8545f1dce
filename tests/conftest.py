"""Test-wide settings: no traffic leaves the machine, and no tool downloads anything."""

import os

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_DOMAIN_ID", "73")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")  # the dashboard test uses /usr/bin/chromium
# One torch thread per process: with two threads on two busy cores a training step ran 4-50x slower
# (the threads wait on each other whenever one is descheduled); subprocesses inherit this.
os.environ.setdefault("OMP_NUM_THREADS", "1")
