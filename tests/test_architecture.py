"""The layering rules of docs/architecture.md, checked on the source with ``ast`` (nothing is imported).

* a parser (``vpnxlate/parsers/``) imports no emitter, an emitter (``vpnxlate/emitters/``) no parser;
* an emitter does no I/O: no ``open()``, no ``Path.read_*``/``write_*``/``open``, no ``os`` file
  calls, no file, process or network module, nothing from ``vpnxlate.io`` (the API/CLI layer reads
  and writes; an emitter gets values and returns ``OutputFile`` objects);
* no function in ``vpnxlate/`` is longer than 60 lines (its body without the docstring).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vpnxlate"
MAX_FUNCTION_LINES = 60

# os functions that touch the file system or processes
_OS_IO = frozenset(
    {
        "open",
        "read",
        "write",
        "fdopen",
        "stat",
        "lstat",
        "fstat",
        "listdir",
        "scandir",
        "walk",
        "remove",
        "unlink",
        "rename",
        "replace",
        "mkdir",
        "makedirs",
        "rmdir",
        "chmod",
        "chown",
        "link",
        "symlink",
        "readlink",
        "truncate",
        "fsync",
        "system",
        "popen",
        "exists",
        "isfile",
        "isdir",
        "getsize",
    }
)
_PATH_IO = frozenset(
    {"read_text", "read_bytes", "write_text", "write_bytes", "open", "touch", "unlink", "mkdir", "iterdir", "glob"}
)
_IO_MODULES = ("vpnxlate.io", "io", "shutil", "subprocess", "socket", "tempfile", "urllib", "http")


def _module_name(path: Path, package_dir: Path) -> str:
    rel = path.relative_to(package_dir.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _sources(sub: str = "") -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(path: Path, package_dir: Path = PACKAGE) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, at any depth (function-level
    imports included); ``from X import y`` yields ``X`` and ``X.y`` (``y`` may be a module)."""
    module = _module_name(path, package_dir)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_imported_modules_resolves_relative_imports() -> None:
    """The checker itself: relative imports are resolved against the module's package."""
    found = dict((name, line) for line, name in imported_modules(PACKAGE / "emitters" / "vyos.py"))
    assert "vpnxlate.emitters._policy" in found  # from . import _policy
    assert "vpnxlate.model" in found  # from ..model import ...
    assert not any(_within(n, "vpnxlate.emitters.emitters") for n in found)


@pytest.mark.parametrize(("layer", "forbidden"), [("parsers", "emitters"), ("emitters", "parsers")])
def test_parsers_and_emitters_do_not_import_each_other(layer: str, forbidden: str) -> None:
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
        for path in _sources(layer)
        for line, name in imported_modules(path)
        if _within(name, f"vpnxlate.{forbidden}")
    ]
    assert bad == []


def _io_uses(path: Path, package_dir: Path = PACKAGE) -> Iterator[str]:
    for line, name in imported_modules(path, package_dir):
        if any(_within(name, m) for m in _IO_MODULES):
            yield f"{line}: imports {name}"
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            yield f"{node.lineno}: open()"
        elif isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id == "os" and func.attr in _OS_IO:
                yield f"{node.lineno}: os.{func.attr}()"
            elif isinstance(owner, ast.Attribute) and owner.attr == "path" and func.attr in _OS_IO:
                yield f"{node.lineno}: os.path.{func.attr}()"
            elif func.attr in _PATH_IO and isinstance(owner, ast.Call):
                callee = owner.func
                if isinstance(callee, ast.Name) and callee.id in ("Path", "PurePath"):
                    yield f"{node.lineno}: Path(...).{func.attr}()"


def test_the_io_checker_sees_reads_and_writes(tmp_path: Path) -> None:
    """The checker itself, on a module that does each kind of I/O it looks for."""
    text = (
        "import os\nfrom pathlib import Path\nfrom ..io import read_input\n"
        "def f(p):\n    open(p)\n    os.unlink(p)\n    os.path.exists(p)\n    Path(p).read_text()\n"
    )
    fake = tmp_path / "vpnxlate" / "emitters" / "fake.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(text, encoding="utf-8")
    assert list(_io_uses(fake, tmp_path / "vpnxlate")) == [
        "3: imports vpnxlate.io",
        "3: imports vpnxlate.io.read_input",
        "5: open()",
        "6: os.unlink()",
        "7: os.path.exists()",
        "8: Path(...).read_text()",
    ]


def test_emitters_do_no_io() -> None:
    bad = [f"{path.relative_to(PACKAGE.parent)}:{use}" for path in _sources("emitters") for use in _io_uses(path)]
    assert bad == []


def body_lines(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body from its first statement after the docstring to its end."""
    body = func.body
    if (
        len(body) > 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    end = body[-1].end_lineno
    assert end is not None
    return end - body[0].lineno + 1


def long_functions(limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    """(``path:line qualified.name``, body lines) of every function in the package over ``limit``."""
    out = []
    for path in _sources():
        stack: list[tuple[ast.AST, str]] = [(_tree(path), "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef) and body_lines(child) > limit:
                        out.append((f"{path.relative_to(PACKAGE.parent)}:{child.lineno} {name}", body_lines(child)))
                    stack.append((child, name + "."))
    return sorted(out)


def test_body_lines_leaves_out_the_docstring() -> None:
    func = ast.parse('def f():\n    """Doc\n    string."""\n    a = 1\n\n    return a\n').body[0]
    assert isinstance(func, ast.FunctionDef)
    assert body_lines(func) == 3


def test_no_function_is_longer_than_60_lines() -> None:
    assert long_functions() == []


# ------------------------------------------------------------------ tests use the public API

TESTS = Path(__file__).resolve().parent
# calls whose string argument names a module or an attribute: import_module("vpnxlate._x"),
# setattr(module, "_x", ...), monkeypatch.setattr("vpnxlate.x._y", ...)
_NAMING_CALLS = frozenset({"import_module", "setattr", "getattr", "delattr", "hasattr", "setitem"})


def _private(part: str) -> bool:
    """A private module or name: one leading underscore (``_strongswan``, ``_q``), not a dunder."""
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _private_path(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "vpnxlate" and any(_private(p) for p in parts)


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) of every private vpnxlate module or name a test file uses: imported
    (``from vpnxlate.emitters import _aws``, ``from vpnxlate.lint import _CODES``, ``import
    vpnxlate.parsers._common``), reached as an attribute of an imported vpnxlate module or name
    (``aws_vyatta._q``, ``vpnxlate.model._ID_RE``) or named by a string in an import or a
    (monkeypatch) setattr/getattr call."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> the vpnxlate module or name it stands for
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "vpnxlate":
                    if _private_path(alias.name):
                        out.append((node.lineno, f"import {alias.name}"))
                    bound[alias.asname or "vpnxlate"] = alias.name if alias.asname else "vpnxlate"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "vpnxlate":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _private_path(full):
                    out.append((node.lineno, f"from {node.module} import {alias.name}"))
                bound[alias.asname or alias.name] = full
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base: ast.expr = node.value
            chain: list[str] = []
            while isinstance(base, ast.Attribute):
                chain.insert(0, base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in bound:
                out.append((node.lineno, ".".join([bound[base.id], *chain, node.attr])))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name not in _NAMING_CALLS:
                continue
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            target = node.args[0] if node.args else None
            on_vpnxlate = isinstance(target, ast.Name | ast.Attribute) and ast.unparse(target).split(".")[0] in bound
            for text in strings:
                if _private_path(text) or (on_vpnxlate and _private(text)):
                    out.append((node.lineno, f"{name}(... {text!r} ...)"))
    return sorted(set(out))


def test_private_uses_finds_every_form() -> None:
    """The checker itself: each way of reaching a private helper is found, public uses are not."""
    source = (
        "import vpnxlate\n"
        "import vpnxlate.parsers._common\n"
        "from vpnxlate.emitters import _aws, aws_vyatta, vyos\n"
        "from vpnxlate.emitters._strongswan import tunnel_mark\n"
        "from vpnxlate.lint import _CODES as codes\n"
        "from vpnxlate import model as m\n"
        "from .conftest import _helper\n"
        "def f(monkeypatch):\n"
        "    import vpnxlate.emitters as em\n"
        "    aws_vyatta._q('x'); vyos.quote('x'); m._ID_RE; vpnxlate.model._trusted; em._base\n"
        "    vpnxlate.__version__; vpnxlate.parse('x'); _helper._x\n"
        "    monkeypatch.setattr(vyos, '_word', None); monkeypatch.setattr(vyos, 'word', None)\n"
        "    monkeypatch.setattr('vpnxlate.emitters._policy.X', 1)\n"
        "    __import__('importlib').import_module('vpnxlate.parsers._safexml')\n"
    )
    assert {what for _, what in private_uses(source)} == {
        "import vpnxlate.parsers._common",
        "from vpnxlate.emitters import _aws",
        "from vpnxlate.emitters._strongswan import tunnel_mark",
        "from vpnxlate.lint import _CODES",
        "vpnxlate.emitters.aws_vyatta._q",
        "vpnxlate.model._ID_RE",
        "vpnxlate.model._trusted",
        "vpnxlate.emitters._base",
        "setattr(... '_word' ...)",
        "setattr(... 'vpnxlate.emitters._policy.X' ...)",
        "import_module(... 'vpnxlate.parsers._safexml' ...)",
    }


def test_tests_use_no_private_module_or_name_of_the_package() -> None:
    """Tests go through the public API (``vpnxlate.parse``/``emit``, the CLI, the emitted files) or
    through the documented public building blocks (docs/architecture.md), never through a private
    module or name (``_x``): a private helper may change without a test noticing the API did."""
    bad = [
        f"tests/{path.name}:{line}: {what}"
        for path in sorted(TESTS.glob("*.py"))
        for line, what in private_uses(path.read_text(encoding="utf-8"))
    ]
    assert bad == []
