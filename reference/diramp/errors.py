"""Error types.  Every error names the problem and the fix (house rule).

The CLI maps :class:`InputError` to exit code 2, :class:`CheckFailed` to exit
code 1 and :class:`ProtocolAbort` to exit code 3.
"""

from __future__ import annotations


class DirampError(Exception):
    """Base class of all diramp errors."""

    exit_code = 1


class InputError(DirampError, ValueError):
    """Bad input: a parameter out of range, a malformed or corrupt file.

    >>> str(InputError("mu", "must lie in [0, 1/2)", "got 0.7"))
    'mu: must lie in [0, 1/2) (got 0.7)'
    """

    exit_code = 2

    def __init__(self, param: str, problem: str, detail: str = "", fix: str = "") -> None:
        self.param = param
        self.problem = problem
        msg = f"{param}: {problem}"
        if detail:
            msg += f" ({detail})"
        if fix:
            msg += f"; {fix}"
        super().__init__(msg)


class CheckFailed(DirampError):
    """A verification or a run-time self-check failed (e.g. a certificate mismatch)."""

    exit_code = 1


class ProtocolAbort(DirampError):
    """The protocol aborted (Box I step 2: S_mu,obs < 0, or m = 0).  No K is produced."""

    exit_code = 3
