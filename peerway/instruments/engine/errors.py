"""Exceptions raised by the instruments engine.

Every message names the field (definition files) or the item (answers) that is wrong, so a
person fixing a file or a form can find the problem without reading a traceback.
"""

from __future__ import annotations


class InstrumentError(Exception):
    """Base class for every error the engine raises on purpose."""


class DefinitionError(InstrumentError):
    """A definition (or organization-supplied items file) is invalid.

    ``field`` is the path of the offending field, e.g. ``items[3].options``; ``source`` is the
    file or label the definition came from, when known.
    """

    def __init__(self, field: str, problem: str, *, source: str | None = None) -> None:
        self.field = field or "(top level)"
        self.problem = problem
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{self.field}: {problem}")


class ItemsSourceUnavailable(DefinitionError):
    """The module named by ``items_source`` cannot be imported (it may not be installed yet)."""


class AnswerError(InstrumentError, ValueError):
    """Answers given for scoring are invalid.

    ``problems`` maps each offending item id (or ``answers`` for the whole payload) to what is
    wrong with it; ``item`` is the first offending item.
    """

    def __init__(self, problems: dict[str, str]) -> None:
        if not problems:
            raise ValueError("AnswerError needs at least one problem")
        self.problems = dict(problems)
        self.item = next(iter(self.problems))
        super().__init__("; ".join(f"{key}: {text}" for key, text in self.problems.items()))


class UnknownInstrument(InstrumentError, KeyError):
    """No instrument (or no such version of it) in the library."""

    def __init__(self, message: str, *, code: str, version: str | None = None) -> None:
        self.code = code
        self.version = version
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message
