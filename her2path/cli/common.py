"""Helpers shared by the commands: consoles, error reporting, output formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from her2path.errors import InputError, KnowledgeBaseError
from her2path.kb import KnowledgeBase, load_default

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INPUT = 2
EXIT_KB = 3

out = Console(soft_wrap=False, width=120)
err = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def knowledge() -> KnowledgeBase:
    return load_default()


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print typed errors as one line per problem and exit non-zero."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            err.print(f"[bold red]Invalid input[/] ({len(exc.problems)} problem(s)):")
            for p in exc.problems:
                err.print(f"  - [bold]{p.where}[/]: {p.message}", highlight=False)
            raise typer.Exit(EXIT_INPUT) from None
        except KnowledgeBaseError as exc:
            err.print(
                f"[bold red]The knowledge base does not validate[/] "
                f"({len(exc.problems)} problem(s)):"
            )
            for p in exc.problems:
                err.print(f"  - {p.where}: {p.message}", highlight=False)
            raise typer.Exit(EXIT_KB) from None

    return wrapper


def print_json(value: BaseModel | dict[str, Any] | list[Any]) -> None:
    if isinstance(value, BaseModel):
        text = value.model_dump_json(indent=2)
    else:
        text = json.dumps(value, indent=2, default=str)
    typer.echo(text)
