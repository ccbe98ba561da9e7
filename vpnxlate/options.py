"""Typed target options: one frozen attrs class per target, declared once in its emitter module.

A target's options are the fields of its ``Options`` class (a subclass of :class:`TargetOptions`);
each field made by :func:`option` carries its command-line form (a :class:`~vpnxlate.registry.Option`
in the field's metadata: flag, help, kind, choices, metavar) and a converter that validates the
value.  From this one declaration come

* the object the emitter receives: ``emit(connections, report, options: Options)``;
* the API's keyword arguments (:func:`from_kwargs`: ``vpnxlate.emit(conns, "vyos", local_address=...)``);
* the CLI's flags and help (:func:`add_arguments`, :func:`from_namespace`).

Converters raise :class:`~vpnxlate.errors.EmitError` naming the option as a CLI flag
(``--local-address: not an IP address: 'x'``); the public API rewrites messages in API terms
(``local_address: ...``, see :func:`vpnxlate.errors.api_terms`), the CLI prints them as they are.

A field whose value is read from a file (``--router-config FILE``) names a *loader*
(``load="module:function"``): the function runs here, in the API/CLI layer, when keyword arguments
or flags become the options object, and the emitter receives the parsed result; an emitter does
no I/O.  ``excludes=`` names a field that may not be given together with it.
"""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import attrs

from .errors import EmitError, Report, describe_value
from .model import IPAddress, check_address
from .record import Record

if TYPE_CHECKING:
    import argparse


class Option(Record):
    """A target option: ``--flag VALUE`` on the CLI, ``dest=VALUE`` in :func:`vpnxlate.emit` (immutable)."""

    _fields = ("flag", "help", "kind", "choices", "default", "metavar")  # constructor order
    __slots__ = _fields
    flag: str
    help: str
    kind: str  # "str", "int", "flag" (boolean switch), "list" (repeatable)
    choices: tuple[str, ...] | None
    default: Any
    metavar: str | None

    def __init__(
        self,
        flag: str,
        help: str,
        kind: str = "str",
        choices: tuple[str, ...] | None = None,
        default: Any = None,
        metavar: str | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "flag", flag)
        init(self, "help", help)
        init(self, "kind", kind)
        init(self, "choices", choices)
        init(self, "default", default)
        init(self, "metavar", metavar)

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


#: The metadata key of a field's command-line form.
CLI = "vpnxlate.cli"
_LOAD = "vpnxlate.load"
_EXCLUDES = "vpnxlate.excludes"

T = TypeVar("T", bound="TargetOptions")


def option(
    flag: str,
    help: str,
    *,
    kind: str = "str",
    choices: tuple[str, ...] | None = None,
    default: Any = None,
    metavar: str | None = None,
    convert: Callable[[Any], Any] | None = None,
    load: str | None = None,
    excludes: str | None = None,
) -> Any:
    """A target option field: ``--flag`` on the CLI, ``flag_name=`` as an API keyword.

    ``kind``: ``str``, ``int``, ``flag`` (a switch) or ``list`` (repeatable; the value is a tuple,
    empty by default).  ``convert`` turns the given value (str/int from the CLI, anything from the
    API) into the field's type or raises :class:`EmitError`; it also sees the default.  ``load``:
    ``"module:function"`` that reads the file the option names (see the module docstring);
    ``excludes``: the name of a field that may not be set together with this one."""
    metadata: dict[str, Any] = {CLI: Option(flag, help, kind=kind, choices=choices, default=default, metavar=metavar)}
    if load is not None:
        metadata[_LOAD] = load
    if excludes is not None:
        metadata[_EXCLUDES] = excludes
    if kind == "list" and default is None:
        default = ()
    return attrs.field(default=default, converter=convert, metadata=metadata, kw_only=True)


def ordered(*first: str) -> Callable[[type, list[attrs.Attribute[Any]]], list[attrs.Attribute[Any]]]:
    """A ``field_transformer`` putting the fields ``first`` (in that order) before the others: the
    order of a target's flags in ``--help`` and of the checks (inherited fields come base-most first)."""

    def transform(_cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
        by_name = {f.name: f for f in fields}
        return [by_name[n] for n in first] + [f for f in fields if f.name not in first]

    return transform


def to_flag(value: Any) -> bool:
    """A switch: given (true) or not."""
    return bool(value)


@attrs.frozen(kw_only=True, slots=False)
class TargetOptions:
    """What every target takes.  ``redact``: write ``***`` where a pre-shared key would go
    (``--redact``, a general flag of ``convert`` rather than a target option)."""

    redact: bool = attrs.field(default=False, converter=to_flag)

    @overload
    def secret(self, psk: str) -> str: ...
    @overload
    def secret(self, psk: None) -> None: ...
    def secret(self, psk: str | None) -> str | None:
        """The pre-shared key as written: ``***`` when redacting (None stays None: no key).  The
        one redaction helper of every target."""
        return psk if psk is None or not self.redact else REDACTED


#: What ``--redact`` writes where a pre-shared key would go (and what AWS's API shows without keys).
REDACTED = "***"


# ------------------------------------------------------------------ shared option groups


def to_local_address(value: Any) -> IPAddress | None:
    """``--local-address``: an IPv4 or IPv6 address (a target that runs IPv4 tunnels only refuses
    an IPv6 one where it plans the tunnels)."""
    if value is None or value == "":
        return None
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return check_address(value, "local_address")
    try:
        return check_address(ipaddress.ip_address(str(value).strip()), "local_address")
    except ValueError:
        raise EmitError(f"--local-address: not an IP address: {describe_value(value)}") from None


@attrs.frozen(kw_only=True, slots=False)
class LocalAddressOptions(TargetOptions):
    """The NAT fix-up every IPsec target that plans its own local address shares."""

    local_address: IPAddress | None = option(
        "--local-address",
        "the router's own (private) address when it sits behind NAT, e.g. an EC2 instance with an "
        "elastic IP (NAT fix-up: the local address of IKE); the public customer gateway IP stays the IKE identity",
        metavar="IP",
        convert=to_local_address,
    )


# ------------------------------------------------------------------ reflection


def cli_options(cls: type[TargetOptions]) -> tuple[Option, ...]:
    """The command-line options of an options class, in field order."""
    return tuple(f.metadata[CLI] for f in attrs.fields(cls) if CLI in f.metadata)


def _option_fields(cls: type[TargetOptions]) -> dict[str, attrs.Attribute[Any]]:
    return {f.name: f for f in attrs.fields(cls) if CLI in f.metadata}


def check_keywords(cls: type[TargetOptions], names: Iterable[str], target: str) -> None:
    """Refuse keywords that are not options of ``cls`` (the error names the known ones)."""
    known = _option_fields(cls)
    unknown = sorted(set(names) - set(known) - {"redact"})
    if unknown:
        flags = ", ".join("--" + u.replace("_", "-") for u in unknown)
        have = ", ".join(known[n].metadata[CLI].flag for n in known) or "none"
        raise EmitError(f"option {flags} does not apply to --to {target} (its options: {have})")


def from_kwargs(
    cls: type[T], values: Mapping[str, Any], *, target: str, report: Report | None = None, redact: bool = False
) -> T:
    """The options object from keyword arguments (None = not given: the default).  Unknown
    keywords, invalid values and unreadable files raise :class:`EmitError`/:class:`InputError`
    in CLI terms (the public API rewrites them in API terms)."""
    check_keywords(cls, values, target)
    given = {k: v for k, v in values.items() if v is not None}
    fields = _option_fields(cls)
    loads = {name: given.pop(name) for name in list(given) if _LOAD in fields[name].metadata}
    obj = cls(redact=redact, **given)
    for name, raw in loads.items():
        meta = fields[name].metadata
        other = meta.get(_EXCLUDES)
        if other is not None and getattr(obj, other) is not None:
            raise EmitError(f"give either {fields[other].metadata[CLI].flag} or {meta[CLI].flag}, not both")
        module, _, function = meta[_LOAD].partition(":")
        loaded = getattr(importlib.import_module(module), function)(raw, obj, report)
        obj = attrs.evolve(obj, **{name: loaded})
    return obj


# ------------------------------------------------------------------ the command line


def add_arguments(group: Any, classes: Mapping[str, type[TargetOptions]]) -> dict[str, tuple[Option, list[str]]]:
    """Add the flags of the options classes (target name -> class) to an argparse group, one flag
    per field name (help names the targets that take it); returns dest -> (option, targets)."""
    out: dict[str, tuple[Option, list[str]]] = {}
    for target, cls in classes.items():
        for opt in cli_options(cls):
            if opt.dest in out:
                out[opt.dest][1].append(target)
            else:
                out[opt.dest] = (opt, [target])
    for dest, (opt, targets) in out.items():
        kw: dict[str, Any] = {"dest": dest, "help": f"{opt.help} [{', '.join(targets)}]", "default": None}
        if opt.kind == "flag":
            kw["action"] = "store_true"
        elif opt.kind == "list":
            kw["action"] = "append"
            kw["metavar"] = opt.metavar or "VALUE"
        else:
            kw["metavar"] = opt.metavar or "VALUE"
            if opt.kind == "int":
                kw["type"] = int
            if opt.choices:
                kw["choices"] = opt.choices
        group.add_argument(opt.flag, **kw)
    return out


def namespace_values(cls: type[TargetOptions], args: argparse.Namespace) -> dict[str, Any]:
    """The options of ``cls`` given on the command line (flags not given are left out)."""
    return {n: getattr(args, n) for n in _option_fields(cls) if getattr(args, n, None) is not None}


def from_namespace(
    cls: type[T], args: argparse.Namespace, *, target: str, report: Report | None = None, redact: bool = False
) -> T:
    """The options object from parsed command-line flags (messages in CLI terms)."""
    return from_kwargs(cls, namespace_values(cls, args), target=target, report=report, redact=redact)
