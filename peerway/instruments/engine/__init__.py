"""Framework-free instruments engine: definitions, scoring and group statistics.

Nothing in this package imports Django, so it can be used (and tested) on its own.
"""

from .errors import (
    AnswerError,
    DefinitionError,
    InstrumentError,
    ItemsSourceUnavailable,
    UnknownInstrument,
)
from .loader import (
    DEFINITIONS_DIR,
    Library,
    load_definition,
    load_library,
    load_supplied,
    merge_supplied,
    read_definition_file,
)
from .model import Instrument, Item, ResponseSet, Scale
from .scoring import ScaleScore, ScoreResult, score, validate_answers

__all__ = [
    "DEFINITIONS_DIR",
    "AnswerError",
    "DefinitionError",
    "Instrument",
    "InstrumentError",
    "Item",
    "ItemsSourceUnavailable",
    "Library",
    "ResponseSet",
    "Scale",
    "ScaleScore",
    "ScoreResult",
    "UnknownInstrument",
    "load_definition",
    "load_library",
    "load_supplied",
    "merge_supplied",
    "read_definition_file",
    "score",
    "validate_answers",
]
