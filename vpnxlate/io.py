"""Reading inputs (with a size limit) and writing outputs (atomically, with safe modes)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from .errors import InputError, OutputError
from .registry import OutputFile

#: Inputs larger than this are refused before they are read (a DescribeVpnConnections dump of
#: 10,000 connections is about 40 MB).
MAX_INPUT_BYTES = 50 * 1024 * 1024


#: file names read line by line as JSON Lines, of any size (vpnxlate.stream), unless another
#: format is given
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def is_jsonl(path: str, format: str | None) -> bool:
    """True for an input read line by line as JSON Lines (``-`` with ``--from jsonl`` too)."""
    return format == "jsonl" or (format is None and path.endswith(JSONL_SUFFIXES))


def is_streamed(path: str, format: str | None) -> bool:
    """True for an input read item by item (:mod:`vpnxlate.stream`): a directory, or JSON Lines."""
    return is_jsonl(path, format) or (path != "-" and os.path.isdir(path))


def decode(data: bytes, source: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"not valid UTF-16 text (byte {e.start})", source=source) from None
    try:  # (the BOM stripped by hand: the utf-8-sig codec is one more module at start-up)
        text = (data[3:] if data.startswith(b"\xef\xbb\xbf") else data).decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})", source=source, line=line
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(
            "binary data (NUL byte), not a text configuration", source=source, line=text.count("\n", 0, nul) + 1
        )
    return text


def _read_limited(stream: BinaryIO, source: str, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"input is larger than {limit // (1024 * 1024)} MB; refusing to read it", source=source)
    return data


def read_input(path: str, *, limit: int = MAX_INPUT_BYTES) -> tuple[str, str]:
    """Read ``path`` (``-`` = stdin); returns ``(source name, text)``."""
    if path == "-":
        source = "<stdin>"
        return source, decode(_read_limited(sys.stdin.buffer, source, limit), source)
    try:
        size = os.stat(path).st_size
        if size > limit:
            raise InputError(
                f"input is {size // (1024 * 1024)} MB, larger than the "
                f"{limit // (1024 * 1024)} MB limit; refusing to read it",
                source=path,
            )
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
    if not name or name != os.path.basename(name) or name in (".", "..") or "\x00" in name:
        raise OutputError(f"refusing to write an output file named {name!r}")


_TEMP_PREFIX = ".vpnxlate-"
_KIND = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# errors of link(2) that mean "this file system has no hard links", not "the name exists"
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


def _kind(mode: int) -> str:
    return next((what for test, what in _KIND if test(mode)), "an unknown kind of file")


def _existing(name: str, dfd: int, source: str, force: bool) -> os.stat_result | None:
    """lstat of a target: None when absent; an error when it exists without ``force`` or when
    it is anything but a regular file (never replaced: devices, FIFOs, symlinks, directories)."""
    try:
        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"is {_kind(st.st_mode)}, not a regular file; refusing to replace it", source=source)
    if not force:
        raise OutputError("exists; use --force to overwrite it", source=source)
    return st


def _open_dir(out_dir: str, *, create: bool, mode: int, follow: bool = False) -> int:
    """A file descriptor of ``out_dir`` (never through a symbolic link as its last component,
    unless ``follow``); with ``create``, a missing directory is made with ``mode`` (parents as
    needed)."""
    path = out_dir.rstrip("/") or "/"
    if follow:
        try:
            return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise OutputError("directory does not exist", source=out_dir) from None
        except OSError as e:
            raise OutputError(f"cannot open the directory: {e.strerror}", source=out_dir) from None
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not create:
            raise OutputError("directory does not exist", source=out_dir) from None
        try:
            os.makedirs(path, mode=mode)
        except FileExistsError:
            pass  # made by a concurrent run: checked below like any existing directory
        else:
            fd = _open_dir(path, create=False, mode=mode)
            os.fchmod(fd, mode)  # makedirs' mode is reduced by the umask
            return fd
        st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(
            f"is a symbolic link; refusing to follow it (give the directory it points to: {os.path.realpath(path)})",
            source=out_dir,
        )
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"is {_kind(st.st_mode)}, not a directory", source=out_dir)
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:  # replaced by a symlink since the lstat (ELOOP), or no permission
        raise OutputError(f"cannot open the directory: {e.strerror}", source=out_dir) from None


class _Staged:
    """One file of an output set on its way: its temporary name and what it replaces."""

    def __init__(self, name: str, source: str, tmp: str, ino: int) -> None:
        self.name, self.source, self.tmp, self.ino = name, source, tmp, ino
        self.backup: str | None = None  # hard link to the file it replaces (--force)
        self.placed = False  # the final name now holds the new file


def _temp_name() -> str:
    return _TEMP_PREFIX + os.urandom(8).hex()


def _create_temp(dfd: int, data: bytes | Iterable[bytes], mode: int) -> tuple[str, int]:
    """A new file (O_EXCL, never through a link) in the directory holding ``data`` (bytes, or
    chunks written as they come), mode ``mode`` set before any byte is written; returns its name
    and inode number."""
    while True:
        tmp = _temp_name()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dfd)
        except FileExistsError:
            continue
        break
    try:
        os.fchmod(fd, mode)
        for chunk in (data,) if isinstance(data, bytes) else data:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
        ino = os.fstat(fd).st_ino
    except BaseException:
        os.close(fd)
        _unlink(tmp, dfd)
        raise
    os.close(fd)
    return tmp, ino


def _unlink(name: str, dfd: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=dfd)


def _link_or_copy(src: str, dst: str, dfd: int) -> None:
    """link(2) ``src`` to the new name ``dst`` (fails if ``dst`` exists: exclusive creation);
    on a file system without hard links, an O_EXCL copy."""
    try:
        os.link(src, dst, src_dir_fd=dfd, dst_dir_fd=dfd, follow_symlinks=False)
        return
    except OSError as e:
        if e.errno not in _NO_LINKS:
            raise
    fd_in = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
    try:
        mode = stat.S_IMODE(os.fstat(fd_in).st_mode)
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dfd)
        try:
            os.fchmod(fd, mode)
            while chunk := os.read(fd_in, 1 << 16):
                os.write(fd, chunk)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            _unlink(dst, dfd)
            raise
        os.close(fd)
    finally:
        os.close(fd_in)


def _place(s: _Staged, dfd: int, force: bool) -> None:
    if not force:  # exclusive: of two runs racing for the same name exactly one gets it
        try:
            _link_or_copy(s.tmp, s.name, dfd)
        except FileExistsError:
            raise OutputError(
                "exists (created meanwhile by another program); use --force to overwrite it", source=s.source
            ) from None
        s.placed = True
        return
    if _existing(s.name, dfd, s.source, force=True) is not None:  # still a regular file
        backup = _temp_name()
        _link_or_copy(s.name, backup, dfd)
        s.backup = backup
    os.replace(s.tmp, s.name, src_dir_fd=dfd, dst_dir_fd=dfd)
    s.placed = True


def _ours(s: _Staged, dfd: int) -> bool:
    try:
        return os.stat(s.name, dir_fd=dfd, follow_symlinks=False).st_ino == s.ino
    except OSError:
        return False


def _roll_back(staged: list[_Staged], dfd: int) -> None:
    """Undo a partly placed set: old files back from their backups, new names removed, every
    temporary file removed.  Never raises (it runs while another exception propagates)."""
    for s in staged:
        with contextlib.suppress(OSError):
            if s.backup is not None and s.placed:
                os.replace(s.backup, s.name, src_dir_fd=dfd, dst_dir_fd=dfd)
            elif s.placed and _ours(s, dfd):
                os.unlink(s.name, dir_fd=dfd)
        for name in (s.tmp, s.backup):
            if name is not None:
                _unlink(name, dfd)


def _encoded(content: str, source: str) -> bytes:
    try:
        return content.encode("utf-8")
    except UnicodeEncodeError as e:
        raise OutputError(
            f"cannot encode the output as UTF-8 (U+{ord(e.object[e.start]):04X} at character {e.start + 1})",
            source=source,
        ) from None


def _write_set(dfd: int, items: Sequence[tuple[str, str, str | Iterable[str], int]], force: bool) -> None:
    """Write ``(name, source, content, mode)`` into the directory ``dfd`` as one set: every
    target checked, every file staged under a temporary name, then all placed; on any failure
    (any exception) the old set is restored and no temporary file remains."""
    for name, source, _, _ in items:
        _existing(name, dfd, source, force)
    staged: list[_Staged] = []
    try:
        for name, source, content, mode in items:
            data = (
                _encoded(content, source)
                if isinstance(content, str)
                else (_encoded(chunk, source) for chunk in content)  # streamed (vpnxlate.stream)
            )
            tmp, ino = _create_temp(dfd, data, mode)
            staged.append(_Staged(name, source, tmp, ino))
        for s in staged:
            _place(s, dfd, force)
        for s in staged:  # committed: the temporary names (link mode) and backups go
            for leftover in (s.tmp, s.backup):
                if leftover is not None:
                    _unlink(leftover, dfd)
        with contextlib.suppress(OSError):
            os.fsync(dfd)
    except BaseException as e:
        _roll_back(staged, dfd)
        if isinstance(e, OSError):  # named by the file of the set it concerns (not a temporary name)
            sources = {name: source for name, source, _, _ in items}
            names = (e.filename, e.filename2)
            where = next((sources[n] for n in names if isinstance(n, str) and n in sources), items[0][1])
            raise OutputError(f"cannot write: {e.strerror}", source=where) from None
        raise


def write_files(files: Iterable[OutputFile], out_dir: str, *, force: bool = False) -> list[str]:
    """Write a set of files into ``out_dir``, all or nothing: every target is checked, every file
    staged under a temporary name in ``out_dir``, then all are renamed into place; on any failure
    the old files are restored and no temporary file remains.

    A missing ``out_dir`` is created (mode 0700 when a file of the set is secret, else 0755); a
    symbolic link as ``out_dir`` is refused.  Only regular files are replaced, and only with
    ``force``; without it, each name is created exclusively (link(2)), so that of two runs into
    the same directory exactly one succeeds."""
    files = list(files)
    for f in files:
        _check_name(f.name)
    if len({f.name for f in files}) != len(files):
        raise OutputError("the output set names a file twice", source=out_dir)
    secret = any(f.secret or not f.file_mode & 0o077 for f in files)  # (also a 0600 file)
    dfd = _open_dir(out_dir, create=True, mode=0o700 if secret else 0o755)
    try:
        items = [(f.name, os.path.join(out_dir, f.name), f.content, f.file_mode) for f in files]
        _write_set(dfd, items, force)
    finally:
        os.close(dfd)
    return [source for _, source, _, _ in items]


def write_file(path: str, content: str | Iterable[str], *, mode: int = 0o644, force: bool = False) -> None:
    """Write one file atomically; refuses to replace an existing file without ``force`` and
    anything but a regular file (device, FIFO, symbolic link, directory) even with it.
    ``content`` may be an iterable of chunks, written as they come (nothing is placed if it fails)."""
    directory, name = os.path.split(path)
    if not name:
        raise OutputError("not a file name (ends with /)", source=path)
    _check_name(name)
    try:
        dfd = _open_dir(directory or ".", create=False, mode=0o755, follow=True)
    except OutputError as e:
        raise OutputError(e.message, source=path) from None
    try:
        _write_set(dfd, [(name, path, content, mode)], force)
    finally:
        os.close(dfd)
