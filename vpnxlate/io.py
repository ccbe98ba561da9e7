"""Reading inputs (with a size limit) and writing outputs (atomically, with safe modes)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import BinaryIO

from .errors import InputError, OutputError
from .registry import OutputFile

#: Inputs larger than this are refused before they are read (a DescribeVpnConnections dump of
#: 10,000 connections is about 40 MB).
MAX_INPUT_BYTES = 50 * 1024 * 1024


def decode(data: bytes, source: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"not valid UTF-16 text (byte {e.start})", source=source) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})",
                         source=source, line=line) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError("binary data (NUL byte), not a text configuration", source=source,
                         line=text.count("\n", 0, nul) + 1)
    return text


def _read_limited(stream: BinaryIO, source: str, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"input is larger than {limit // (1024 * 1024)} MB; refusing to read it",
                         source=source)
    return data


def read_input(path: str, *, limit: int = MAX_INPUT_BYTES) -> tuple[str, str]:
    """Read ``path`` (``-`` = stdin); returns ``(source name, text)``."""
    if path == "-":
        source = "<stdin>"
        return source, decode(_read_limited(sys.stdin.buffer, source, limit), source)
    try:
        size = os.stat(path).st_size
        if size > limit:
            raise InputError(f"input is {size // (1024 * 1024)} MB, larger than the "
                             f"{limit // (1024 * 1024)} MB limit; refusing to read it", source=path)
        with open(path, "rb") as f:
            data = _read_limited(f, path, limit)
    except IsADirectoryError:
        raise InputError("is a directory, not a configuration file", source=path) from None
    except FileNotFoundError:
        raise InputError("no such file", source=path) from None
    except PermissionError:
        raise InputError("permission denied", source=path) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", source=path) from None
    except ValueError:  # e.g. a NUL character in the path
        raise InputError("not a valid file name", source=repr(path)) from None
    return path, decode(data, path)


def _check_name(name: str) -> None:
    if not name or name != os.path.basename(name) or name in (".", ".."):
        raise OutputError(f"refusing to write an output file named {name!r}")


def write_files(files: Iterable[OutputFile], out_dir: str, *, force: bool = False) -> list[str]:
    """Write every file into ``out_dir`` atomically (temporary file + rename), all or nothing
    as far as the file system allows: every target is checked before anything is written."""
    files = list(files)
    if not os.path.isdir(out_dir):
        raise OutputError("output directory does not exist", source=out_dir)
    targets = []
    for f in files:
        _check_name(f.name)
        path = os.path.join(out_dir, f.name)
        if os.path.lexists(path) and not force:
            raise OutputError(f"{f.name} exists; use --force to overwrite it", source=out_dir)
        targets.append((f, path))
    temps: list[tuple[str, str]] = []
    try:
        for f, path in targets:
            temps.append((_write_temp(f.content, os.path.dirname(path), f.file_mode), path))
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as e:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise OutputError(f"cannot write: {e.strerror}", source=out_dir) from None
    return [p for _, p in targets]


def write_file(path: str, content: str, *, mode: int = 0o644, force: bool = False) -> None:
    """Write one file atomically; refuses to replace an existing file without ``force``."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.lexists(path) and not force:
        raise OutputError("exists; use --force to overwrite it", source=path)
    if not os.path.isdir(directory):
        raise OutputError("directory does not exist", source=path)
    tmp = None
    try:
        tmp = _write_temp(content, directory, mode)
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise OutputError(f"cannot write: {e.strerror}", source=path) from None


def _write_temp(content: str, directory: str, mode: int) -> str:
    import tempfile  # here, not at the top: with shutil/random it costs ~4 ms of every start

    fd, tmp = tempfile.mkstemp(prefix=".vpnxlate-", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp
