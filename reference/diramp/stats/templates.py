"""Aperiodic templates for the non-overlapping template matching test
(SP 800-22 rev1a section 2.7; the template library of the STS is the set of
aperiodic m-bit words, section 2.7.2 and Appendix B).

A template B = b_1 ... b_m is aperiodic when no proper shift of it overlaps
itself: for no 1 <= k < m is b_{k+1} ... b_m equal to b_1 ... b_{m-k}.  Such a
template can never match at two positions closer than m bits apart, so its
non-overlapping match count equals its plain match count.
"""

from __future__ import annotations

from functools import cache


def is_aperiodic(template: str) -> bool:
    """True when the bit string ``template`` has no self-overlap (section 2.7.2).

    >>> is_aperiodic("000000001"), is_aperiodic("001"), is_aperiodic("101")
    (True, True, False)
    """
    m = len(template)
    return all(template[k:] != template[: m - k] for k in range(1, m))


@cache
def aperiodic_templates(m: int) -> tuple[str, ...]:
    """All aperiodic m-bit templates in increasing numeric order.

    The STS template files hold 148 templates for m = 9 and 284 for m = 10.

    >>> len(aperiodic_templates(9)), len(aperiodic_templates(10))
    (148, 284)
    >>> aperiodic_templates(9)[0], aperiodic_templates(2)
    ('000000001', ('01', '10'))
    """
    if not 2 <= m <= 21:
        raise ValueError("template length m must lie in [2, 21]")
    words = (format(v, f"0{m}b") for v in range(2**m))
    return tuple(w for w in words if is_aperiodic(w))
