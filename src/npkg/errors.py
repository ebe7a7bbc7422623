"""One error hierarchy whose classes carry the CLI exit code.

Exit codes are fixed project-wide: 0 ok, 1 problems found in the data, 2 usage error
(bad argument, unknown query or parameter), 3 runtime or backend error. Keeping the code on
the exception means every surface (CLI, HTTP, API) maps an error the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3


class NpkgError(Exception):
    """Base class: a message meant for a person, never a traceback."""

    exit_code = EXIT_RUNTIME


class UsageError(NpkgError):
    """The caller asked for something that does not exist or passed a bad value."""

    exit_code = EXIT_USAGE


class UnknownQueryError(UsageError):
    def __init__(self, name: str, available: Sequence[str]) -> None:
        super().__init__(f"unknown query {name!r}; available queries: {', '.join(available)}")
        self.name = name
        self.available = list(available)


class ParameterError(UsageError):
    """A named-query parameter is missing, unknown or ill-typed."""


class CurieError(UsageError):
    """A CURIE or IRI is malformed, uses an unknown prefix, or names nothing in the graph."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        if suggestions:
            message = f"{message}; did you mean: {', '.join(suggestions)}?"
        super().__init__(message)
        self.suggestions = list(suggestions)


class DataError(NpkgError):
    """Curated data or ontology input is invalid: the build refuses it."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the input:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class ParseError(DataError):
    """A syntax error in an RDF or SPARQL text, with file:line:column where known."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


class ReasonerError(NpkgError):
    """The reasoner could not run (Java missing, timeout) as opposed to finding a problem."""


class BackendError(NpkgError):
    """A store or remote endpoint failed."""


class BuildLockedError(NpkgError):
    """Another build holds the release lock."""
