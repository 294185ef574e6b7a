#!/usr/bin/env python3
"""Guided set-up of evse-tui's config.yaml (the same as `evse-tui configure`); see --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # works from a fresh clone before `pip install`

from evse_tui.setup.configure import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
