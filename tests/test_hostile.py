"""Hostile input: robustness, XML attacks, injection, secrets, atomic writes, size limits.

* Arbitrary text/bytes and mutations of valid documents of every input format make
  ``vpnxlate.parse`` raise only :class:`VpnxlateError`, each example in under 2 s.
* XXE (file/http), billion laughs, quadratic blow-up, external DTD, deep nesting and a huge text
  node are refused fast through aws-xml, ec2-xml and ec2-json without reading a file or
  opening a connection.
* A value with a newline, CR, NUL, quotes, ``#``, ``;`` or braces never adds a line to any output.
* A PSK never shows in repr/str, warnings, errors or logs; ``--redact`` removes it from every
  target; secret files are 0600; writes are atomic; inputs over the size limit are refused.

The slow-only property (``@pytest.mark.slow``) runs 100,000 mutations per parser:
``HYPOTHESIS_PROFILE=slow python3 -m pytest -m slow tests/test_hostile.py``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import stat
import sys
import time
import warnings
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vpnxlate
from vpnxlate import EmitError, ValidationError, VpnxlateError, registry
from vpnxlate.io import MAX_INPUT_BYTES, decode, read_input, write_file, write_files

from .conftest import FIXTURES, assert_one_line_error, run_cli
from .strategies import INJECTION_CLASSES, PROFILE, SECRET_RE, connection_lists, marked_psks

TIME_LIMIT = 2.0
INPUT_FORMATS = registry.input_names()
TARGETS = registry.output_names()

# ------------------------------------------------------------------ seeds: valid documents of every format

_SEED_FILES = [
    p
    for d in (
        "canonical",
        "canonical/ec2",
        "generic",
        "vyatta",
        "xml",
        "vendors/cisco-ios",
        "vendors/cisco-asa",
        "vendors/juniper",
        "vendors/strongswan",
        "vendors/openswan",
    )
    for p in sorted((FIXTURES / d).glob("*"))
    if p.is_file()
]


def _load_seeds() -> dict[str, list[str]]:
    seeds: dict[str, list[str]] = {name: [] for name in INPUT_FORMATS}
    for path in _SEED_FILES:
        text = path.read_text(encoding="utf-8")
        try:
            seeds[vpnxlate.detect_format(text)].append(text)
        except VpnxlateError:
            continue
    canonical = vpnxlate.parse_report((FIXTURES / "canonical" / "generic.txt").read_text(), lint=False)[0]
    static = vpnxlate.parse_report((FIXTURES / "canonical" / "static.xml").read_text(), lint=False)[0]
    for conns in (canonical, static):
        seeds["json"].append(vpnxlate.emit(conns, "json"))
        seeds["jsonl"].append(vpnxlate.emit(conns, "jsonl"))
        for version in ("1.1", "1.4"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seeds["vyos"].append(vpnxlate.emit(conns, "vyos", vyos_version=version))
    return seeds


SEEDS = _load_seeds()
# import ciscoconfparse (about a second) before the timed checks, not inside the first one
vpnxlate.parse_report(SEEDS["aws-cisco-ios"][0], lint=False)
CANONICAL_PSKS = ("FAKE_tunnel1.key_example", "FAKE_tunnel2.key_example")


def test_every_input_format_has_seeds() -> None:
    assert all(len(SEEDS[name]) >= 2 for name in INPUT_FORMATS), {k: len(v) for k, v in SEEDS.items()}


@st.composite
def mutations(draw: st.DrawFn, fmt: str) -> str | bytes:
    """A valid document of ``fmt`` with lines deleted/duplicated/swapped, values swapped,
    truncation, or random characters/bytes inserted."""
    text = draw(st.sampled_from(SEEDS[fmt]), label="seed")
    lines = text.split("\n")
    data: str | bytes = text
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(
                [
                    "delete",
                    "duplicate",
                    "swap-lines",
                    "swap-values",
                    "truncate",
                    "insert-text",
                    "insert-bytes",
                    "replace-value",
                ]
            )
        )
        if isinstance(data, bytes):
            op = "insert-bytes"
        n = len(lines)
        if op == "delete" and n > 1:
            del lines[draw(st.integers(0, n - 1))]
        elif op == "duplicate":
            i = draw(st.integers(0, n - 1))
            lines.insert(i, lines[i])
        elif op == "swap-lines" and n > 1:
            i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op in ("swap-values", "replace-value"):
            i = draw(st.integers(0, n - 1))
            cut = max(lines[i].rfind(":"), lines[i].rfind(" "), lines[i].rfind(">"))
            other = draw(st.sampled_from(lines)) if op == "swap-values" else draw(st.text(max_size=30))
            lines[i] = lines[i][: cut + 1] + other.strip()[-40:]
        elif op == "truncate":
            joined = "\n".join(lines)
            lines = joined[: draw(st.integers(0, len(joined)))].split("\n")
        elif op == "insert-text":
            joined = "\n".join(lines)
            at = draw(st.integers(0, len(joined)))
            lines = (joined[:at] + draw(st.text(min_size=1, max_size=20)) + joined[at:]).split("\n")
        elif op == "insert-bytes":
            raw = data if isinstance(data, bytes) else "\n".join(lines).encode("utf-8")
            at = draw(st.integers(0, len(raw)))
            data = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
            continue
        data = "\n".join(lines)
    return data


def check_parse(data: str | bytes, fmt: str | None = None) -> None:
    """Only VpnxlateError, one-line message, in bounded time."""
    start = time.monotonic()
    try:
        text = decode(data, "<fuzz>") if isinstance(data, bytes) else data
        vpnxlate.parse_report(text, fmt, source="<fuzz>")
    except VpnxlateError as e:
        assert str(e).startswith("<fuzz>")
    elapsed = time.monotonic() - start
    assert elapsed < TIME_LIMIT, f"{elapsed:.2f} s"


@given(text=st.text(max_size=2000))
def test_arbitrary_text_only_vpnxlate_errors(text: str) -> None:
    check_parse(text)


@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_only_vpnxlate_errors(data: bytes) -> None:
    check_parse(data)


@pytest.mark.parametrize("fmt", INPUT_FORMATS)
@given(text=st.text(max_size=500))
def test_arbitrary_text_each_parser(fmt: str, text: str) -> None:
    check_parse(text, fmt)


@pytest.mark.parametrize("fmt", INPUT_FORMATS)
@given(data=st.data())
def test_mutated_documents_only_vpnxlate_errors(fmt: str, data: st.DataObject) -> None:
    doc = data.draw(mutations(fmt), label="document")
    check_parse(doc)
    check_parse(doc, fmt)


@pytest.mark.slow
@pytest.mark.skipif(PROFILE != "slow", reason="slow-only: HYPOTHESIS_PROFILE=slow pytest -m slow")
@pytest.mark.parametrize("fmt", INPUT_FORMATS)
@settings(max_examples=100_000)
@given(data=st.data())
def test_mutated_documents_slow(fmt: str, data: st.DataObject) -> None:
    """The robustness property with 100,000 mutations per parser (by hand, see docs/testing.md)."""
    doc = data.draw(mutations(fmt), label="document")
    check_parse(doc, fmt)


def _mutate_for_cli(text: str, how: str) -> str:
    if how == "truncate":
        return text[: len(text) // 2]
    if how == "bad-ip":
        return text.replace("203.0.113.21", "203.0.113.321")
    if how == "bad-value":
        return text.replace("28800", "28800 fortnights")
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("fixture", "how"),
    [
        ("canonical/generic.txt", "bad-ip"),
        ("canonical/vyatta.txt", "bad-ip"),
        ("canonical/connection.xml", "truncate"),
        ("canonical/ec2/describe.xml", "truncate"),
        ("canonical/ec2/describe-cli.json", "truncate"),
        ("canonical/generic.txt", "bad-value"),
        ("canonical/connection.xml", "bad-ip"),
    ],
)
def test_cli_mutated_file_one_line_error(tmp_path: Path, fixture: str, how: str) -> None:
    path = tmp_path / Path(fixture).name
    path.write_text(_mutate_for_cli((FIXTURES / fixture).read_text(), how))
    proc = run_cli("convert", str(path), "--to", "json")
    line = assert_one_line_error(proc, str(path))
    assert not any(psk in line for psk in CANONICAL_PSKS)


# ------------------------------------------------------------------ XML attacks

CANONICAL_XML = (FIXTURES / "canonical" / "connection.xml").read_text()
_BODY = CANONICAL_XML[CANONICAL_XML.index("<vpn_connection") :]
MARKER = "VPNXLATE_SECRET_FILE_MARKER_7f3a"


def _with_dtd(dtd: str, entity_ref: str | None = None) -> str:
    body = _BODY
    if entity_ref is not None:
        body = body.replace("FAKE_tunnel1.key_example", entity_ref)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{dtd}\n{body}'


def _attacks(tmp: Path, port: int) -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (document, words the error must contain, any of them)."""
    secret = tmp / "secret.txt"
    secret.write_text(MARKER)
    dtd_file = tmp / "evil.dtd"
    dtd_file.write_text(f'<!ENTITY leak "{MARKER}">')
    entity_words = ("DTD", "entit", "ENTITY", "DOCTYPE")
    lol = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return {
        "xxe-file": (
            _with_dtd(f'<!DOCTYPE vpn_connection [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;"),
            entity_words,
        ),
        "xxe-http": (
            _with_dtd(f'<!DOCTYPE vpn_connection [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/x">]>', "&xxe;"),
            entity_words,
        ),
        "billion-laughs": (_with_dtd(f'<!DOCTYPE vpn_connection [<!ENTITY lol0 "lol">{lol}]>', "&lol9;"), entity_words),
        "quadratic": (
            _with_dtd(f'<!DOCTYPE vpn_connection [<!ENTITY a "{"a" * 50_000}">]>', "&a;" * 50_000),
            entity_words,
        ),
        "external-dtd": (_with_dtd(f'<!DOCTYPE vpn_connection SYSTEM "file://{dtd_file}">', "&leak;"), entity_words),
        "parameter-entity": (
            _with_dtd(f'<!DOCTYPE vpn_connection [<!ENTITY % p SYSTEM "file://{dtd_file}"> %p;]>', "&leak;"),
            entity_words,
        ),
        "deep-nesting": (
            "<vpn_connection>" + "<a>" * 100_000 + "</a>" * 100_000 + "</vpn_connection>",
            ("nest", "deep", "depth"),
        ),
        "huge-text": (_BODY.replace("FAKE_tunnel1.key_example", "A" * 20_000_000), ()),
    }


def _wrap(doc: str, how: str) -> str:
    if how == "aws-xml":
        return doc
    if how == "ec2-xml":
        outer = (FIXTURES / "canonical" / "ec2" / "create.xml").read_text()
        start = outer.index("<customerGatewayConfiguration>") + len("<customerGatewayConfiguration>")
        end = outer.index("</customerGatewayConfiguration>")
        return outer[:start] + escape(doc) + outer[end:]
    if how == "ec2-xml-outer":  # the attack in the wrapper document itself
        outer = (FIXTURES / "canonical" / "ec2" / "create.xml").read_text()
        decl_end = outer.index("?>") + 2 if outer.startswith("<?xml") else 0
        if "<!DOCTYPE" not in doc:
            return doc
        dtd = doc[doc.index("<!DOCTYPE") : doc.index("<vpn_connection")]
        root = outer[outer.index("<", decl_end) :]
        name = root[1 : root.index(" ")]
        dtd = dtd.replace("DOCTYPE vpn_connection", f"DOCTYPE {name}")
        ref = doc[doc.index("<pre_shared_key>") + 16 : doc.index("</pre_shared_key>")]
        return outer[:decl_end] + "\n" + dtd + root.replace("<type>ipsec.1</type>", f"<type>{ref}</type>", 1)
    if how == "ec2-json":
        wrapper = json.loads((FIXTURES / "canonical" / "ec2" / "boto3-single.json").read_text())
        key = "VpnConnection" if "VpnConnection" in wrapper else "VpnConnections"
        item = wrapper[key] if key == "VpnConnection" else wrapper[key][0]
        item["CustomerGatewayConfiguration"] = doc
        return json.dumps(wrapper)
    raise AssertionError(how)


@pytest.fixture
def listener() -> Any:
    """A local TCP port that records whether anything connected (an XXE over http would)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.setblocking(False)
    yield sock
    sock.close()


ATTACKS = [
    "xxe-file",
    "xxe-http",
    "billion-laughs",
    "quadratic",
    "external-dtd",
    "parameter-entity",
    "deep-nesting",
    "huge-text",
]


@pytest.mark.parametrize("how", ["aws-xml", "ec2-xml", "ec2-xml-outer", "ec2-json"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_xml_attack_refused(tmp_path: Path, listener: socket.socket, attack: str, how: str) -> None:
    doc, words = _attacks(tmp_path, listener.getsockname()[1])[attack]
    text = _wrap(doc, how)
    start = time.monotonic()
    with pytest.raises(VpnxlateError) as info:
        vpnxlate.parse_report(text, source="attack")
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert elapsed < TIME_LIMIT * (3 if attack == "huge-text" else 1), f"{elapsed:.2f} s"
    assert MARKER not in message
    assert "\n" not in message
    if words:
        assert any(w.lower() in message.lower() for w in words), message
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected


# ------------------------------------------------------------------ injection


def _canonical_json() -> dict[str, Any]:
    conns = vpnxlate.parse_report((FIXTURES / "canonical" / "generic.txt").read_text(), lint=False)[0]
    return json.loads(vpnxlate.emit(conns, "json"))


BASE_DOC = _canonical_json()
# where a hostile value can enter through the json input: (path in the document, value)
INJECT_PATHS: list[tuple[tuple[Any, ...], str]] = [
    (("connections", 0, "tunnels", 0, "psk"), "FAKE_tunnel1.key_example"),
    (("connections", 0, "vpn_connection_id"), "vpn-0c0ffee0123456789"),
    (("connections", 0, "customer_gateway_id"), "cgw-0c0ffee0123456789"),
    (("connections", 0, "vpn_gateway_id"), "vgw-0c0ffee0123456789"),
    (("connections", 0, "tunnels", 0, "aws_outside_ip"), "203.0.113.21"),
    (("connections", 0, "tunnels", 0, "cgw_outside_ip"), "198.51.100.10"),
    (("connections", 0, "tunnels", 0, "cgw_inside_cidr"), "169.254.21.2/30"),
    (("connections", 0, "tunnels", 0, "ike", "mode"), "main"),
    (("connections", 0, "tunnels", 0, "ike", "encryption", 0), "AES128"),
    (("connections", 0, "tunnels", 0, "dpd_timeout_action"), "restart"),
    (("connections", 0, "routing"), "bgp"),
]


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        doc = doc[p]
    doc[path[-1]] = value


def _target_options(target: str) -> dict[str, Any]:
    return {"vyos_version": "1.4"} if target == "vyos" else {}


def _emit_all(conns: list[vpnxlate.VpnConnection], target: str, **options: Any) -> list[registry.OutputFile]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files, _ = vpnxlate.emit_report(conns, target, **{**_target_options(target), **options})
    return files


def _line_counts(files: list[registry.OutputFile]) -> list[tuple[str, int]]:
    return [(f.name, len(f.content.splitlines())) for f in files]


@pytest.mark.parametrize(
    ("target", "char"), [pytest.param(t, c, id=f"{t}-{c}") for t in TARGETS for c in INJECTION_CLASSES]
)
def test_injection_never_adds_a_line(target: str, char: str) -> None:
    ch = INJECTION_CLASSES[char]
    base_conns = vpnxlate.parse_report(json.dumps(BASE_DOC), "json", lint=False)[0]
    baseline = _line_counts(_emit_all(base_conns, target))
    payloads = [f"{ch}set system login user evil", f"{ch}include /etc/shadow", f"{ch}}} x {{ y = 1 {ch}"]
    # 1. through the json input format: refused, or the output keeps its shape
    for path, good in INJECT_PATHS:
        for payload in payloads:
            for value in (good + payload, payload + good, good[:3] + payload + good[3:]):
                doc = json.loads(json.dumps(BASE_DOC))
                _set(doc, path, value)
                try:
                    conns = vpnxlate.parse_report(json.dumps(doc), "json", lint=False)[0]
                except VpnxlateError as e:
                    assert ch not in str(e) or ch in "'\"#;{}"  # control characters never echoed raw
                    continue
                try:
                    files = _emit_all(conns, target)
                except EmitError:
                    continue
                assert _line_counts(files) == baseline, (path, value)
    # 2. through the model API: refused by the validators
    t = base_conns[0].tunnels[0]
    for field, good in (("psk", "FAKE_tunnel1.key_example"),):
        with pytest.raises(ValidationError):
            attrs.evolve(t, **{field: good + ch + "x"})
    for field in ("vpn_connection_id", "customer_gateway_id", "vpn_gateway_id"):
        with pytest.raises(ValidationError):
            attrs.evolve(base_conns[0], **{field: "vpn-1" + ch + "x"})
    with pytest.raises((ValidationError, ValueError)):
        attrs.evolve(t, cgw_inside="169.254.21.2" + ch + "/30")
    # 3. through the target's string options: refused, or the output keeps its shape
    module = registry.output_module(target)
    for opt in module.OPTIONS:
        if opt.kind not in ("str", "list") or opt.choices:
            continue
        value: Any = "eth0" + ch + "set system x"
        if opt.kind == "list":
            value = (value,)
        try:
            files = _emit_all(base_conns, target, **{opt.dest: value})
        except VpnxlateError:
            continue
        assert _line_counts(files) == baseline, (opt.flag, value)


# ------------------------------------------------------------------ secrets


def _with_marked_psks(conns: list[vpnxlate.VpnConnection], keys: list[str]) -> list[vpnxlate.VpnConnection]:
    out = []
    k = 0
    for c in conns:
        tunnels = []
        for t in c.tunnels:
            tunnels.append(attrs.evolve(t, psk=f"{keys[k % len(keys)]}{k}"))
            k += 1
        out.append(attrs.evolve(c, tunnels=tuple(tunnels)))
    return out


@given(conns=connection_lists(max_size=2, one_router=True), keys=st.lists(marked_psks, min_size=1, max_size=4))
def test_psk_never_in_repr_warnings_or_logs(conns: list[vpnxlate.VpnConnection], keys: list[str]) -> None:
    conns = _with_marked_psks(conns, keys)
    for c in conns:
        for shown in (repr(c), str(c), repr(c.tunnels), repr(conns)):
            assert not SECRET_RE.search(shown)
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.DEBUG)
    try:
        for target in TARGETS:
            try:
                _, report = vpnxlate.emit_report(conns, target, **_target_options(target))
            except VpnxlateError as e:
                assert not SECRET_RE.search(str(e))
                continue
            for m in report.messages():
                assert not SECRET_RE.search(m), m
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            vpnxlate.parse(vpnxlate.emit(conns, "json"))
        for w in caught:
            assert not SECRET_RE.search(str(w.message))
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    assert not any(SECRET_RE.search(r) for r in handler.records)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@pytest.mark.parametrize(
    "bad",
    [
        "Pq7Zk_secret;rest",
        "Pq7Zk_secret rest",
        "Pq7Zk_secret\nrest",
        "Pq7Zk_" + "s" * 300,
        "Pq7Zk_secret'rest",
        "Pq7Zk_secret\x00rest",
    ],
)
def test_psk_not_in_error_messages(bad: str) -> None:
    doc = json.loads(json.dumps(BASE_DOC))
    doc["connections"][0]["tunnels"][0]["psk"] = bad
    with pytest.raises(VpnxlateError) as info:
        vpnxlate.parse(json.dumps(doc))
    assert "Pq7Zk_" not in str(info.value)
    with pytest.raises(ValidationError) as info2:
        vpnxlate.Tunnel(aws_outside_ip="203.0.113.1", psk=bad)
    assert "Pq7Zk_" not in str(info2.value)


def test_psk_not_in_conflicting_duplicate_error() -> None:
    doc = json.loads(json.dumps(BASE_DOC))
    tunnels = doc["connections"][0]["tunnels"]
    twin = json.loads(json.dumps(tunnels[0]))
    tunnels[0]["psk"], twin["psk"] = "Pq7Zk_first_key", "Pq7Zk_other_key"
    tunnels.append(twin)
    with pytest.raises(ValidationError) as info:
        vpnxlate.parse(json.dumps(doc))
    assert "psk" in str(info.value) and "Pq7Zk_" not in str(info.value)


@pytest.mark.parametrize("target", TARGETS)
@given(conns=connection_lists(max_size=3, one_router=True), keys=st.lists(marked_psks, min_size=1, max_size=3))
def test_redact_removes_every_psk(target: str, conns: list[vpnxlate.VpnConnection], keys: list[str]) -> None:
    conns = _with_marked_psks(conns, keys)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            files, report = vpnxlate.emit_report(conns, target, redact=True, **_target_options(target))
    except EmitError as e:
        assert not SECRET_RE.search(str(e))
        return
    for f in files:
        assert not SECRET_RE.search(f.content), f.name
        assert not f.secret
    assert not any(SECRET_RE.search(m) for m in report.messages())


@pytest.mark.parametrize("target", TARGETS)
def test_cli_redact_and_secret_file_modes(tmp_path: Path, target: str) -> None:
    src = str(FIXTURES / "canonical" / "generic.txt")
    extra = ["--vyos-version", "1.4"] if target == "vyos" else []
    proc = run_cli("convert", src, "--to", target, "--redact", "-q", *extra)
    assert proc.returncode == 0, proc.stderr
    assert not any(psk in proc.stdout + proc.stderr for psk in CANONICAL_PSKS)
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cli("convert", src, "--to", target, "--out-dir", str(out), "-q", *extra)
    assert proc.returncode == 0, proc.stderr
    holding = []
    for p in sorted(out.iterdir()):
        mode = stat.S_IMODE(p.stat().st_mode)
        if any(psk in p.read_text() for psk in CANONICAL_PSKS):
            holding.append(p.name)
            assert mode == 0o600, (p.name, oct(mode))
        else:
            assert mode & 0o077 in (0o044, 0o055, 0o000), (p.name, oct(mode))
    assert holding, "the PSKs are in no file"
    assert not [p for p in out.iterdir() if p.name.startswith(".vpnxlate-")]
    files = _emit_all(vpnxlate.parse_report(Path(src).read_text(), lint=False)[0], target)
    if len(files) == 1:
        single = tmp_path / "single.out"
        proc = run_cli("convert", src, "--to", target, "-o", str(single), "-q", *extra)
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE(single.stat().st_mode) == 0o600


def _temp_leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".vpnxlate-")]


@pytest.mark.parametrize("fail", ["os.link", "os.fsync"])  # (without --force, files are placed by link(2))
def test_write_files_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str) -> None:
    files = [registry.OutputFile("a.conf", "one\n"), registry.OutputFile("b.secrets", "two\n", secret=True)]
    calls = {"n": 0}
    real = getattr(os, fail.split(".")[1])

    def broken(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second file fails mid-way
            raise OSError(28, "No space left on device")
        return real(*args, **kw)

    monkeypatch.setattr(os, fail.split(".")[1], broken)
    with pytest.raises(vpnxlate.OutputError):
        write_files(files, str(tmp_path))
    monkeypatch.undo()
    assert _temp_leftovers(tmp_path) == []
    if fail == "os.fsync":
        assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing replaced before all temps exist


@pytest.mark.parametrize("fail", ["os.replace", "os.fsync"])
def test_write_file_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str) -> None:
    target = tmp_path / "vpn.json"
    target.write_text("old content\n")

    def broken(*args: Any, **kw: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, fail.split(".")[1], broken)
    with pytest.raises(vpnxlate.OutputError):
        write_file(str(target), "new content\n", mode=0o600, force=True)
    monkeypatch.undo()
    assert target.read_text() == "old content\n"
    assert _temp_leftovers(tmp_path) == []


# ------------------------------------------------------------------ size limits


def test_oversized_file_refused_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_INPUT_BYTES + 1)  # sparse: no 50 MB written
    start = time.monotonic()
    proc = run_cli("convert", str(big), "--to", "json")
    assert time.monotonic() - start < 10
    assert_one_line_error(proc, str(big), "larger than")


def test_oversized_stdin_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdin:
        buffer = io.BytesIO(b" " * 101)

    monkeypatch.setattr(sys, "stdin", Stdin())
    with pytest.raises(vpnxlate.InputError, match="larger than"):
        read_input("-", limit=100)


def test_oversized_stdin_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from vpnxlate import cli

    class Stdin:
        buffer = io.BytesIO(b"{" + b" " * MAX_INPUT_BYTES)

    monkeypatch.setattr(sys, "stdin", Stdin())
    assert cli.main(["convert", "-", "--to", "json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vpnxlate: error: <stdin>: ") and "larger than" in err


# ------------------------------------------------------------------ minimal examples found by the slow profile

_BAD_DECLARATION = '<?xml0 version="1.0" encoding="UTF-8"?><vpn_connection/>'


@pytest.mark.parametrize("wrap", ["aws-xml", "ec2-json"])
def test_mangled_xml_declaration_is_a_parse_error(wrap: str) -> None:
    """Found by the slow profile: lxml raised a bare ValueError for this declaration."""
    text = (
        _BAD_DECLARATION
        if wrap == "aws-xml"
        else json.dumps(
            {"VpnConnections": [{"VpnConnectionId": "vpn-1", "CustomerGatewayConfiguration": _BAD_DECLARATION}]}
        )
    )
    with pytest.raises(vpnxlate.ParseError, match="invalid XML: malformed XML declaration"):
        vpnxlate.parse_report(text, wrap, source="<fuzz>")
    check_parse(text, None)
