"""Progress reporting: a bar on a terminal, silent otherwise (house rule)."""

from __future__ import annotations

import sys
from typing import Any


def progress(total: int | None, desc: str, unit: str = "it", enabled: bool | None = None) -> Any:
    """Return a tqdm bar that is shown only when stderr is a terminal.

    >>> with progress(3, "demo", enabled=False) as bar:
    ...     bar.update(3)
    """
    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False)
