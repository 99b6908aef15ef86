"""Problems found in a policy file, each pinned to a file, a line and a field path.

A community edits its code of conduct by hand, so the loader reports every problem at once in the
familiar `file:line: field: message` shape instead of stopping at the first one.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyProblem:
    source: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PolicyError(ValueError):
    """A policy file (or a new version of it) cannot be used; `errors` lists every problem found."""

    def __init__(self, errors: list[PolicyProblem]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(problem) for problem in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.errors)
