"""The diagnostics policy of vpnxlate: warning codes, levels, and where an error happened.

Every warning vpnxlate gives carries a code from :data:`CODES` (``report.warn(..., code=...)``;
an unregistered code is a bug and raises).  What becomes of a warning is the caller's choice,
made once in a :class:`Policy` (like sqlglot's ``ErrorLevel``):

* ``IGNORE``: warnings are dropped;
* ``WARN`` (the default): collected in the :class:`Report` and shown (the CLI's
  ``vpnxlate: warning: ... [code]`` lines, the API's :class:`VpnxlateWarning`);
* ``RAISE``: collected, then :meth:`Report.check` raises one :class:`DiagnosticsError` listing
  them all (the API does this at the end of a call, before anything is returned);
* ``IMMEDIATE``: the first warning is raised as an error where it happens (``strict=True``,
  ``--strict``).

Per code, ``error_on`` raises a code's warning at once (``--error-on CODE``; ``all`` = every
code) and ``ignore`` drops it (``--ignore CODE``; ``all``); a code named in both is ignored, and a
code named explicitly wins over ``all``.

:func:`relocate` is the one place an error caught on its way up gets the file, line and field
(and message context) of where it happened.  ``docs/diagnostics.md`` lists every code
(``tests/test_diagnostics.py`` checks it against :data:`CODES`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

from .errors import EmitError, ValidationError, VpnxlateError, _locate, api_terms
from .record import Record

# ------------------------------------------------------------------ the codes


class Code(Record):
    """One diagnostic code: its name (``--error-on NAME``), area and one-line description."""

    _fields = ("name", "area", "description")
    __slots__ = _fields
    name: str
    area: str
    description: str

    def __init__(self, name: str, area: str, description: str) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "area", area)
        init(self, "description", description)


#: The areas, in the order docs/diagnostics.md lists them.
AREAS: dict[str, str] = {
    "input": "Reading an input (parsers)",
    "model": "Merging inputs (duplicate tunnels and connections)",
    "lint": "Checks against AWS's rules (Terraform's lint rules)",
    "output": "Writing a target (emitters): what a target cannot express, defaults it writes",
    "routing": "Routing policy (--advertise/--accept, BGP) of the router targets",
}

_TABLE: tuple[tuple[str, str, str], ...] = (
    # ---- input
    ("unknown-section", "input", "Generic: a routing section vpnxlate does not know; routing taken from its fields"),
    ("ignored-field", "input", "Generic: a field outside the section it belongs to is ignored"),
    ("unknown-field", "input", "Generic: an unrecognised field is ignored"),
    ("auth-method", "input", "an authentication method other than pre-shared key"),
    ("assumed-routing", "input", "Generic: no routing section; static routing assumed"),
    ("next-hop", "input", "Generic: the static next hop is not the virtual private gateway's inside address"),
    ("inside-host-bits", "input", "an inside CIDR written with host bits set"),
    ("tunnel-options", "input", "EC2: TunnelOptions disagree with the embedded CustomerGatewayConfiguration"),
    (
        "tunnel-options-ignored",
        "input",
        "EC2: a TunnelOptions entry that matches no tunnel (or builds none) is ignored",
    ),
    ("wrapper-mismatch", "input", "EC2: the wrapper's ids differ from the embedded document's; the wrapper's are used"),
    ("routing-conflict", "input", "StaticRoutesOnly / NoBGPVPNConnection disagree with the BGP settings given"),
    ("bgp-no-asn", "input", "BGP routing, but the input does not state the ASNs"),
    ("bgp-partial", "input", "some tunnels have BGP settings and others do not"),
    ("partial-document", "input", "XML: one tunnel's ASN is given, the other's is missing"),
    ("connection-type", "input", "XML: vpn_connection_type is not ipsec.1"),
    ("connection-attributes", "input", "XML: unknown vpn_connection_attributes"),
    ("escaped-twice", "input", "EC2 XML: customerGatewayConfiguration is XML-escaped twice"),
    ("no-document", "input", "EC2: no CustomerGatewayConfiguration; tunnels built from TunnelOptions alone"),
    ("state-skipped", "input", "EC2: a connection deleted/pending without configuration is skipped"),
    ("state", "input", "EC2: a connection not in state available"),
    ("route-state", "input", "EC2: a static route not in state available is left out"),
    ("vyatta-unknown", "input", "Vyatta: a set command with no place in the model is ignored"),
    ("vyatta-not-set", "input", "Vyatta: a line that is not a complete set command is ignored"),
    ("vyatta-no-vti", "input", "Vyatta: a peer not bound to a vti interface (no inside addresses)"),
    ("vyatta-pfs-disabled", "input", "Vyatta: pfs 'disable' (AWS requires PFS); PFS groups left unset"),
    ("vyatta-stray-neighbor", "input", "Vyatta: a BGP neighbor inside no tunnel's vti network is ignored"),
    ("vyatta-no-bgp", "input", "Vyatta: one tunnel has a BGP neighbor, the other none"),
    ("vyatta-local-address", "input", "Vyatta: local-address does not state the customer gateway's address"),
    ("cisco-all-policies", "input", "Cisco: the named IKE policy is missing; every policy is read"),
    ("juniper-naming", "input", "JunOS: a reference resolved by AWS's J-Series naming"),
    # ---- model
    ("duplicate-tunnel", "model", "a tunnel given twice with the same content; one is kept"),
    ("merged-tunnel", "model", "a tunnel given twice; the second's extra values are merged in"),
    ("duplicate-connection", "model", "a connection given twice with the same content; one is kept"),
    ("merged-connection", "model", "a connection given twice; the second's extra values are merged in"),
    # ---- lint
    (
        "lint-psk",
        "lint",
        "the pre-shared key breaks AWS's rules (8-64 characters of A-Z a-z 0-9 _ ., not starting with 0)",
    ),
    ("lint-inside-cidr", "lint", "an inside CIDR that is not a /30 in 169.254.0.0/16 outside AWS's reserved blocks"),
    ("lint-aws-inside", "lint", "the AWS inside address is not in the customer's inside CIDR"),
    ("lint-lifetime", "lint", "a phase 1/phase 2 lifetime outside AWS's range, or phase 2 not below phase 1"),
    ("lint-rekey-margin", "lint", "a rekey margin outside AWS's range or more than half the phase 2 lifetime"),
    ("lint-replay-window", "lint", "a replay window outside AWS's 64..2048"),
    ("lint-dpd-timeout", "lint", "a DPD timeout below AWS's minimum of 30 s"),
    ("lint-asn", "lint", "a customer ASN equal to the AWS ASN or reserved by AWS"),
    ("lint-bgp-neighbor", "lint", "the BGP neighbor is not the AWS inside address"),
    ("lint-bgp-mixed", "lint", "some tunnels of a connection have BGP settings and others do not"),
    ("lint-inside-overlap", "lint", "inside CIDRs that overlap or are used by two tunnels"),
    # ---- output
    ("unsupported", "output", "the target cannot express a value of the input; it is left out"),
    ("not-stated", "output", "a value the target requires is not stated; left empty"),
    ("one-value", "output", "the target holds one value of a list; the first is written"),
    ("aws-default", "output", "a value not stated in the input; AWS's default is written"),
    ("no-bgp-values", "output", "a BGP connection without BGP values"),
    ("ikev1-gcm", "output", "strongSwan: IKEv1 cannot use AES-GCM for the IKE SA; left out"),
    ("rekey-margin", "output", "strongSwan: the rekey margin is clamped to fit the lifetime"),
    ("no-local-address", "output", "strongSwan: no --local-address; the customer gateway IP is used"),
    ("ipv6-inside", "output", "the IPv6 inside addresses are not configured (VTI carries IPv4)"),
    ("aggressive-mode", "output", "aggressive mode in the input; main mode is written"),
    ("transport-mode", "output", "transport mode in the input; tunnel mode is written"),
    ("libreswan-dh", "output", "Libreswan: a DH group of the input Libreswan cannot use"),
    ("libreswan-lifetime", "output", "Libreswan: a lifetime longer than pluto's 24 h maximum"),
    ("libreswan-ikev1", "output", "Libreswan: IKEv1 needs ikev1-policy=accept (written)"),
    ("vyos-default", "output", "VyOS: algorithms not stated; AWS's download defaults are written"),
    ("vyos-clamp", "output", "VyOS: a value outside what this VyOS version accepts is clamped"),
    ("vyos-hold-time", "output", "VyOS: a BGP hold time of 1..3 is written as 4"),
    ("vyos-local-as", "output", "VyOS 1.1: no local-as replace-as; the AS_PATH is one AS longer"),
    ("vyos-no-local-address", "output", "VyOS: no --local-address or --router-config; the public CGW IP is used"),
    ("router-config", "output", "VyOS: a note about the --router-config file read"),
    ("ios-ikev2-policy", "output", "Cisco IOS: IKEv2 policies are chosen by local address; proposals shared"),
    ("ios-no-advertise", "output", "Cisco IOS: no --advertise; the BGP sessions advertise nothing"),
    ("ios-no-route", "output", "Cisco IOS: static routing without --accept; no routes into the tunnels"),
    ("frr-router-id", "output", "FRR: the BGP router id is not set"),
    # ---- routing
    ("no-bgp-asn", "routing", "a BGP connection with no ASNs; no BGP configuration is written for it"),
    ("advertise-static", "routing", "--advertise given for static connections only"),
    ("no-advertise", "routing", "no --advertise: the BGP sessions advertise nothing to AWS"),
    ("accept-all", "routing", "hub without --accept: every route a spoke sends is accepted"),
    ("advertise-default", "routing", "--advertise 0.0.0.0/0 draws all VPC internet traffic"),
    ("advertise-next-hop", "routing", "an advertised prefix contains the router's own address"),
    ("no-static-route", "routing", "a static connection without --accept: no route into the tunnels"),
    ("accept-own-network", "routing", "--accept overlaps the connection's own static routes"),
)

#: Every diagnostic code by name.
CODES: dict[str, Code] = {name: Code(name, area, text) for name, area, text in _TABLE}

#: The word for every code in ``error_on``/``ignore`` (``--error-on all``).
ALL = "all"

#: Where a user sees the codes (named by the unknown-code error).
CODES_HINT = "'vpnxlate codes' lists them (also docs/diagnostics.md, vpnxlate.diagnostics.CODES)"


def check_codes(codes: Iterable[str], what: str) -> frozenset[str]:
    """``codes`` as a set, or :class:`EmitError` naming the first one that is not a code."""
    out = frozenset(codes)
    for code in sorted(out):
        if code != ALL and code not in CODES:
            raise EmitError(f"{what}: unknown diagnostic code {code!r}; {CODES_HINT}")
    return out


# ------------------------------------------------------------------ levels and policy


class ErrorLevel(enum.Enum):
    """What becomes of a warning (see the module docstring)."""

    IGNORE = "ignore"
    WARN = "warn"
    RAISE = "raise"
    IMMEDIATE = "immediate"


class Policy(Record):
    """The level and the per-code choices of one run (immutable; shared by its reports)."""

    _fields = ("level", "error_on", "ignore")
    __slots__ = _fields
    level: ErrorLevel
    error_on: frozenset[str]
    ignore: frozenset[str]

    def __init__(
        self, level: ErrorLevel = ErrorLevel.WARN, error_on: Iterable[str] = (), ignore: Iterable[str] = ()
    ) -> None:
        init = object.__setattr__
        init(self, "level", ErrorLevel(level))
        init(self, "error_on", check_codes(error_on, "--error-on"))
        init(self, "ignore", check_codes(ignore, "--ignore"))

    @classmethod
    def of(
        cls,
        *,
        strict: bool = False,
        level: ErrorLevel | str | None = None,
        error_on: Iterable[str] = (),
        ignore: Iterable[str] = (),
    ) -> Policy:
        """The policy of the API's keyword arguments: ``strict=True`` is ``level=IMMEDIATE``."""
        if level is None:
            chosen = ErrorLevel.IMMEDIATE if strict else ErrorLevel.WARN
        else:
            try:
                chosen = ErrorLevel(level.lower() if isinstance(level, str) else level)
            except ValueError:
                names = ", ".join(lv.value for lv in ErrorLevel)
                raise EmitError(f"level: unknown level {level!r}; one of {names}") from None
        if isinstance(error_on, str) or isinstance(ignore, str):
            raise EmitError("--error-on and --ignore take a list of codes, not a string")
        return cls(chosen, error_on, ignore)

    def action(self, code: str) -> ErrorLevel:
        """What becomes of a warning with ``code``."""
        if not self.ignore and not self.error_on:
            return self.level  # (no choice per code: the common case)
        if code in self.ignore:
            return ErrorLevel.IGNORE
        if code in self.error_on:
            return ErrorLevel.IMMEDIATE
        if ALL in self.ignore:
            return ErrorLevel.IGNORE
        if ALL in self.error_on:
            return ErrorLevel.IMMEDIATE
        return self.level


WARN = Policy()
STRICT = Policy(ErrorLevel.IMMEDIATE)


# ------------------------------------------------------------------ diagnostics


class Diagnostic(Record):
    """A warning about the input or the output; never contains a pre-shared key (immutable)."""

    _fields = ("message", "source", "line", "field", "code")  # constructor order
    __slots__ = _fields
    message: str
    source: str | None
    line: int | None
    field: str | None
    code: str

    def __init__(
        self,
        message: str,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        code: str = "warning",
    ) -> None:
        _set_message(self, message)  # (the slots' own setters: twice as fast as object.__setattr__)
        _set_source(self, source)
        _set_line(self, line)
        _set_field(self, field)
        _set_code(self, code)

    def _values(self) -> tuple[str, str | None, int | None, str | None, str]:
        return self.message, self.source, self.line, self.field, self.code  # (the hot path)

    def __hash__(self) -> int:  # Record's, one call less (every warning is hashed once, by Report)
        return hash((self.message, self.source, self.line, self.field, self.code))

    def __str__(self) -> str:
        return _locate(self.source, self.line, self.message)


_set_message, _set_source, _set_line, _set_field, _set_code = (
    Diagnostic.__dict__[name].__set__ for name in Diagnostic._fields
)


class VpnxlateWarning(UserWarning):
    """Category used when the Python API reports a :class:`Diagnostic` through ``warnings``."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


class DiagnosticsError(ValidationError):
    """The warnings of a run at level ``RAISE``, raised together (``diagnostics`` holds them)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        n = len(diagnostics)
        shown = "; ".join(f"{d} [{d.code}]" for d in diagnostics)
        super().__init__(f"{n} warning{'' if n == 1 else 's'} raised as errors: {shown}")
        self.diagnostics = diagnostics


class Report:
    """Collects the warnings of one parse or emit run, applying its :class:`Policy`.

    ``strict=True`` is ``policy=Policy(ErrorLevel.IMMEDIATE)``: every warning becomes an
    :class:`EmitError`/:class:`ValidationError` at the point it is raised.
    """

    def __init__(self, source: str | None = None, *, strict: bool = False, policy: Policy | None = None) -> None:
        self.source = source
        self.policy = policy if policy is not None else STRICT if strict else WARN
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()

    @property
    def strict(self) -> bool:
        """True when every warning is raised at once (level ``IMMEDIATE``)."""
        return self.policy.level is ErrorLevel.IMMEDIATE

    def warn(
        self,
        message: str,
        *,
        code: str,
        line: int | None = None,
        field: str | None = None,
        source: str | None = None,
        error: type[VpnxlateError] = ValidationError,
    ) -> None:
        if code not in CODES:
            raise ValueError(f"unregistered diagnostic code {code!r} (add it to vpnxlate.diagnostics)")
        action = self.policy.action(code)
        if action is ErrorLevel.IGNORE:
            return
        if action is ErrorLevel.IMMEDIATE:
            raise error(message, source=source or self.source, line=line, field=field)
        self._add(Diagnostic(message, source or self.source, line, field, code))

    def _add(self, diag: Diagnostic) -> None:
        seen = self._seen
        n = len(seen)
        seen.add(diag)  # one hash: a new warning is the one that makes the set grow
        if len(seen) != n:
            self.diagnostics.append(diag)

    def extend(self, other: Report) -> None:
        for d in other.diagnostics:
            self._add(d)

    def check(self) -> Report:
        """At level ``RAISE``: one :class:`DiagnosticsError` with every warning collected; returns self."""
        if self.policy.level is ErrorLevel.RAISE:
            raised = [d for d in self.diagnostics if self.policy.action(d.code) is ErrorLevel.RAISE]
            if raised:
                raise DiagnosticsError(raised)
        return self

    def messages(self) -> list[str]:
        return [str(d) for d in self.diagnostics]

    def in_api_terms(self) -> Report:
        """Rewrite the warnings (message and source) in API terms (see :func:`api_terms`); returns self."""
        sources = {s: None if s is None else api_terms(s) for s in {d.source for d in self.diagnostics}}  # few
        rewritten = [
            d
            if "--" not in d.message and sources[d.source] is d.source  # nothing to rewrite (api_terms)
            else Diagnostic(api_terms(d.message), sources[d.source], d.line, d.field, d.code)
            for d in self.diagnostics
        ]
        if any(new is not old for new, old in zip(rewritten, self.diagnostics, strict=True)):
            self.diagnostics = rewritten
            self._seen = set(rewritten)
        if self.source is not None:
            self.source = api_terms(self.source)
        return self

    def __len__(self) -> int:
        return len(self.diagnostics)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.diagnostics)

    def __repr__(self) -> str:
        codes: dict[str, int] = {}
        for d in self.diagnostics:
            codes[d.code] = codes.get(d.code, 0) + 1
        counts = ", ".join(f"{code}: {n}" for code, n in sorted(codes.items()))
        return (
            f"<Report source={self.source!r} strict={self.strict} {len(self.diagnostics)} warning"
            f"{'' if len(self.diagnostics) == 1 else 's'}{' (' + counts + ')' if counts else ''}>"
        )


# ------------------------------------------------------------------ relocation


def relocate(
    error: VpnxlateError,
    *,
    source: str | None = None,
    line: int | None = None,
    field: str | None = None,
    rename: str | None = None,
    parent: str | None = None,
    sep: str = ".",
    name_unnamed: bool = True,
    context: str | None = None,
    known: str | None = None,
) -> VpnxlateError:
    """``error`` told where it happened, for re-raising (``raise relocate(e, ...) from None``);
    returns it.  The one place a caught error gets its file, line, field and message context:

    * ``context``: the message is prefixed ``CONTEXT: `` unless it starts with ``known`` (by
      default ``context``) already;
    * ``rename``: the field is replaced; else ``parent``: a field not named under ``parent`` yet
      becomes ``PARENT + sep + FIELD``, no field becomes ``parent`` (unless not ``name_unnamed``);
      then ``field``: the field where it is still unknown;
    * ``source``, ``line``: where still unknown.
    """
    if context is not None and not error.message.startswith(known or context):
        error.message = f"{context}: {error.message}"
    if rename is not None:
        error.field = rename
    elif parent is not None:
        if error.field:
            if not error.field.startswith(parent):
                error.field = f"{parent}{sep}{error.field}"
        elif name_unnamed:
            error.field = parent
    if not error.field and field is not None:
        error.field = field
    return error.located(source=source, line=line)


def codes_markdown() -> str:
    """The table of every code, by area, as docs/diagnostics.md holds it (a test compares them)."""
    out = []
    for area, title in AREAS.items():
        out += [f"### {title} (`{area}`)", "", "| Code | Meaning |", "| --- | --- |"]
        out += [f"| `{c.name}` | {c.description} |" for c in CODES.values() if c.area == area]
        out.append("")
    return "\n".join(out)
