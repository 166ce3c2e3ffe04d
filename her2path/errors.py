"""Typed errors whose messages a clinician or a knowledge editor can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem: where it is (a field path or file path) and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class Her2PathError(Exception):
    """Base of every error her2path raises on purpose."""


class ProblemsError(Her2PathError):
    """An error that carries every problem found, not only the first."""

    kind = "problems"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} {self.kind}:\n{lines}")


class KnowledgeBaseError(ProblemsError):
    """The knowledge base does not validate."""

    kind = "knowledge-base problem(s)"


class InputError(ProblemsError):
    """Input (a patient document, a HER2 result, a flag) is not valid."""

    kind = "input problem(s)"
