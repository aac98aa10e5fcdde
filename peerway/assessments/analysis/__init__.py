"""Survey analysis for readiness waves: results with small-group suppression, agreement and
reliability, change between waves, the PIBC barrier profile and CSV export.

Framework-free (no Django import anywhere in this package), so it is tested on its own and
the assessments app's views only convert stored responses to ``ResponseRecord``. Rules and
data shapes: docs/survey-results.md.
"""

from .barriers import (
    BARRIER,
    DEFAULT_RULE,
    FACILITATOR,
    NEUTRAL,
    BarrierProfile,
    ClassificationRule,
    FactorResult,
    GroupProfile,
    barrier_profile,
)
from .compare import Change, compare, compare_waves, welch_change
from .export import CSV_COLUMNS, csv_rows, iter_csv_rows, write_csv
from .hierarchy import ALL, AUDIENCES, LEVELS, GroupKey, Hierarchy
from .items import keyed_item_values
from .results import (
    AgreementResults,
    Cell,
    CellKey,
    ReleaseDecision,
    Reliability,
    ResponseRecord,
    ScaleICC,
    TeamAgreement,
    WaveResults,
    agreement,
    compute_results,
    decide_release,
    suppression_note,
)
from .suppression import (
    DEFAULT_K,
    DIFFERENCING,
    FEWER_THAN_K,
    MIN_K,
    NO_RESPONSES,
    Relation,
    check_k,
    suppress,
)

__all__ = [
    "ALL",
    "AUDIENCES",
    "BARRIER",
    "CSV_COLUMNS",
    "DEFAULT_K",
    "DEFAULT_RULE",
    "DIFFERENCING",
    "FACILITATOR",
    "FEWER_THAN_K",
    "LEVELS",
    "MIN_K",
    "NEUTRAL",
    "NO_RESPONSES",
    "AgreementResults",
    "BarrierProfile",
    "Cell",
    "CellKey",
    "Change",
    "ClassificationRule",
    "FactorResult",
    "GroupKey",
    "GroupProfile",
    "Hierarchy",
    "Relation",
    "ReleaseDecision",
    "Reliability",
    "ResponseRecord",
    "ScaleICC",
    "TeamAgreement",
    "WaveResults",
    "agreement",
    "barrier_profile",
    "check_k",
    "compare",
    "compare_waves",
    "compute_results",
    "csv_rows",
    "decide_release",
    "iter_csv_rows",
    "keyed_item_values",
    "suppress",
    "suppression_note",
    "welch_change",
    "write_csv",
]
