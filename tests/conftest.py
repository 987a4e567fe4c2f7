"""Shared fixtures: a private registry home so tests never touch the user's ~/.rlvr-gym."""

from __future__ import annotations

import os
import tempfile

# Set before rlvr_gym is imported anywhere, so remembered data files of the user do not leak in.
os.environ.setdefault("RLVR_GYM_HOME", tempfile.mkdtemp(prefix="rlvr-gym-test-home-"))
