"""How a contact's minutes are attributed to its activities (pure; no Django).

Rule (docs/contacts.md): the duration is shared equally among the contact's distinct
activity codes, in whole minutes; the minutes left over by the division go one each to
the codes first in alphabetical order. The parts always add up to the duration, and the
same contact always splits the same way, so an incremental update and a rebuild agree.
"""

from __future__ import annotations

from collections.abc import Iterable

UNSPECIFIED = "-"


def split_minutes(duration: int, activities: Iterable[str]) -> dict[str, int]:
    codes = sorted(set(activities)) or [UNSPECIFIED]
    share, left = divmod(int(duration), len(codes))
    return {code: share + (1 if i < left else 0) for i, code in enumerate(codes)}
