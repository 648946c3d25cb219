"""Test configuration: quiet TensorFlow, deterministic Hypothesis, the shared data folder."""

from __future__ import annotations

import os

from hypothesis import settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

settings.register_profile("seqgrade", derandomize=True, database=None, deadline=None)
settings.load_profile("seqgrade")
