"""The argparse classes of the command line (:mod:`vpnxlate.cli`), imported only when a command
line needs argparse: ``vpnxlate convert FILE --to TARGET`` and its plain flags are read without it
(``cli._quick_args``)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing shutil (and with it zlib, bz2 and
    lzma): $COLUMNS, else the width of the terminal on standard output, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class Formatter(argparse.HelpFormatter):
    """argparse's help formatter; the width computed as argparse does, without shutil (argparse
    makes a formatter for every argument it is given, to check its metavar)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, terminal_columns() - 2 if width is None else width)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        from .cli import EXIT_INPUT, PROG, _one_line, _target_options

        if message.startswith("unrecognized arguments:") and self._target:
            # a target option given for another target: say so (imports every emitter, error path only)
            for word in message.split(":", 1)[1].split():
                flag = word.split("=", 1)[0]
                targets = _target_options().get(flag.lstrip("-").replace("-", "_"), (None, []))[1]
                if targets:
                    message = f"option {flag} does not apply to --to {self._target} (it is for {', '.join(targets)})"
                    break
        # one line, like every other error (argparse's usage block stays out of scripts' logs)
        see = f"{PROG} {self._sub} --help" if self._sub else f"{PROG} --help"
        self.exit(EXIT_INPUT, f"{PROG}: error: {_one_line(message)} (see '{see}')\n")

    _sub = "convert"
    _target: str | None = None
