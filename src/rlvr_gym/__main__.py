"""``python -m rlvr_gym`` is the ``rlvr`` command."""

from rlvr_gym.cli import main

raise SystemExit(main())
