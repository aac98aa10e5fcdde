"""Matching of open referrals to peer workers (pure Python: no Django imports).

Public API: :func:`solve`, :func:`solve_json`, :func:`explain`, the input types
(:class:`Referral`, :class:`Worker`, :class:`Preference`, :class:`WorkerAttribute`,
:class:`Weights`), the output types (:class:`Solution`, :class:`Assignment`,
:class:`Unassigned`) and :class:`MatchingInputError`. See docs/matching.md.
"""

from .explain import explain, explain_all
from .model import (
    Assignment,
    MatchingInputError,
    Preference,
    Referral,
    Solution,
    Unassigned,
    Weights,
    Worker,
    WorkerAttribute,
)
from .solver import solve, solve_json

__all__ = [
    "Assignment",
    "MatchingInputError",
    "Preference",
    "Referral",
    "Solution",
    "Unassigned",
    "Weights",
    "Worker",
    "WorkerAttribute",
    "explain",
    "explain_all",
    "solve",
    "solve_json",
]
