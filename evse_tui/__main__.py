"""`python -m evse_tui` is the same as the `evse-tui` command."""

import sys

from evse_tui.cli import main

sys.exit(main())
