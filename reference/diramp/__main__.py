"""``python -m diramp`` is the same as the ``diramp`` command."""

from diramp.cli import main

raise SystemExit(main())
