"""Outcome statistics for evaluations (pure: numpy/scipy only, no Django).

Every result carries ``method`` (how it was computed) and ``label``
("observational, not causal"), and is suppressed below a minimum n. See docs/statistics.md.
"""

from .common import LABEL, wilson_interval
from .paired import PairedResult, ReliableChange, paired_change, reliable_change
from .survival import (
    AFTER,
    BEFORE,
    Cohort,
    Episode,
    FollowUp,
    GroupSummary,
    KaplanMeierCurve,
    LogRankResult,
    PairedProportionTest,
    ProportionResult,
    ReadmissionResult,
    follow_up,
    kaplan_meier,
    logrank_test,
    mcnemar_exact,
    pre_post_follow_up,
    readmission_outcomes,
    readmission_outcomes_pre_post,
    readmission_proportion,
)

__all__ = [
    "AFTER",
    "BEFORE",
    "LABEL",
    "Cohort",
    "Episode",
    "FollowUp",
    "GroupSummary",
    "KaplanMeierCurve",
    "LogRankResult",
    "PairedProportionTest",
    "PairedResult",
    "ProportionResult",
    "ReadmissionResult",
    "ReliableChange",
    "follow_up",
    "kaplan_meier",
    "logrank_test",
    "mcnemar_exact",
    "paired_change",
    "pre_post_follow_up",
    "readmission_outcomes",
    "readmission_outcomes_pre_post",
    "readmission_proportion",
    "reliable_change",
    "wilson_interval",
]
