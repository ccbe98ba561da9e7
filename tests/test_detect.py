"""The detection room (vpnxlate/detect.py): each parser's score for every fixture, the answer
independent of the order of registry.INPUTS, ties an error, the other-vendor rule, the
device-sample unwrapping done by the room, and start-up imports."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
import types

import attrs
import pytest

import vpnxlate
from vpnxlate import detect, registry
from vpnxlate.detect import CERTAIN, LIKELY, NO, STRONG, WEAK
from vpnxlate.errors import FormatError, ParseError, Report, VpnxlateError
from vpnxlate.io import decode
from vpnxlate.parsers import aws_generic, ec2_json

from .conftest import FIXTURES, ROOT, fixture_text

# Every fixture's non-zero scores (formats not listed score NO); the highest is the format
# detected today.  Files with no entry are detected as no format (an error names why).
SCORES: dict[str, dict[str, int]] = {
    "bad/cisco-ios-placeholder-asn.txt": {"aws-cisco-ios": STRONG},
    "bad/cisco-ios-placeholders.txt": {"aws-cisco-ios": STRONG},
    "bad/ec2-truncated.xml": {"ec2-xml": CERTAIN},
    "bad/generic-placeholders.txt": {"aws-generic": STRONG},
    "bad/generic-truncated.txt": {"aws-generic": WEAK},
    "bad/json-invalid.json": {"ec2-json": STRONG},
    "bad/json-placeholder.json": {"ec2-json": STRONG},
    "bad/juniper-placeholders.txt": {"aws-juniper": STRONG},
    "bad/openswan-placeholder.txt": {"aws-strongswan": LIKELY, "aws-openswan": CERTAIN},
    "bad/vyatta-conflict.txt": {"aws-vyatta": STRONG},
    "bad/vyatta-placeholders.txt": {"aws-vyatta": STRONG},
    "bad/vyatta-truncated.txt": {"aws-vyatta": STRONG},
    "bad/xml-billion-laughs.xml": {"aws-xml": STRONG},
    "bad/xml-deep.xml": {"aws-xml": STRONG},
    "bad/xml-external-dtd.xml": {"aws-xml": STRONG},
    "bad/xml-invalid.xml": {"aws-xml": STRONG},
    "bad/xml-xxe-file.xml": {"aws-xml": STRONG},
    "bad/xml-xxe-http.xml": {"aws-xml": STRONG},
    "canonical/connection.xml": {"aws-xml": STRONG},
    "canonical/ec2/boto3-single.json": {"ec2-json": STRONG},
    "canonical/ec2/create.xml": {"ec2-xml": CERTAIN},
    "canonical/ec2/describe-cli.json": {"ec2-json": STRONG},
    "canonical/ec2/describe.xml": {"ec2-xml": CERTAIN},
    "canonical/generic-2009.txt": {"aws-generic": STRONG},
    "canonical/generic.txt": {"aws-generic": STRONG},
    "canonical/static-generic.txt": {"aws-generic": STRONG},
    "canonical/static.xml": {"aws-xml": STRONG},
    "canonical/vyatta.txt": {"aws-vyatta": STRONG},
    "generic/bgp-2014.txt": {"aws-generic": STRONG},
    "generic/bgp-ikev2-custom.txt": {"aws-generic": STRONG},
    "generic/canonical-crlf.txt": {"aws-generic": STRONG},
    "generic/doc-2018-bgp.txt": {"aws-generic": STRONG},
    "generic/static-tunnel1-only.txt": {"aws-generic": STRONG},
    "lenient/captured.json": {"ec2-json": STRONG},
    "lenient/conflict.xml": {"aws-xml": STRONG},
    "lenient/double-escaped.xml": {"ec2-xml": CERTAIN},
    "lenient/host-bits-options-only.json": {"ec2-json": STRONG},
    "lenient/host-bits.json": {"ec2-json": STRONG},
    "lenient/host-bits.xml": {"ec2-xml": CERTAIN},
    "lenient/lambda-body.json": {"ec2-json": STRONG},
    "lenient/no-keys.xml": {"aws-xml": STRONG},
    "lenient/partial.xml": {"aws-xml": STRONG},
    "other-vendors/cisco-ios.txt": {},
    "other-vendors/juniper-srx.txt": {"aws-juniper": STRONG},
    "other-vendors/not-aws.txt": {},
    "other-vendors/openswan.txt": {"aws-openswan": CERTAIN},
    "other-vendors/pfsense.txt": {},
    "other-vendors/screenos.txt": {},
    "other-vendors/strongswan.txt": {"aws-strongswan": STRONG, "aws-openswan": WEAK},
    "routing/aws-canonical-asn65099.json": {},
    "routing/aws-ikev2-aes256-bgp.json": {},
    "routing/second-vpc-asn65020.json": {"json": CERTAIN},
    "routing/static-canonical.json": {"json": CERTAIN},
    "routing/static-ikev2.json": {"json": CERTAIN},
    "strongswan/bgp.json": {"json": CERTAIN},
    "strongswan/ikev2-aes256.json": {"json": CERTAIN},
    "strongswan/static.json": {"json": CERTAIN},
    "swanlab/aws-ikev2-aes256.json": {},
    "vendors/cisco-asa/crypto-map.txt": {"aws-cisco-asa": CERTAIN},
    "vendors/cisco-asa/running-config-edited.txt": {"aws-cisco-asa": CERTAIN},
    "vendors/cisco-asa/vti-bgp.txt": {"aws-cisco-asa": CERTAIN},
    "vendors/cisco-ios/ikev1-bgp.txt": {"aws-cisco-ios": STRONG},
    "vendors/cisco-ios/ikev2-bgp.txt": {"aws-cisco-ios": STRONG},
    "vendors/cisco-ios/running-config-edited.txt": {"aws-cisco-ios": STRONG},
    "vendors/cisco-ios/two-connections.txt": {"aws-cisco-ios": STRONG},
    "vendors/juniper/jseries-references.txt": {"aws-juniper": STRONG},
    "vendors/juniper/set-edited.txt": {"aws-juniper": STRONG},
    "vendors/juniper/srx-brace.txt": {"aws-juniper": STRONG},
    "vendors/juniper/srx-set.txt": {"aws-juniper": STRONG},
    "vendors/openswan/download.txt": {"aws-strongswan": LIKELY, "aws-openswan": CERTAIN},
    "vendors/openswan/edited.txt": {"aws-strongswan": LIKELY, "aws-openswan": CERTAIN},
    "vendors/strongswan/download.txt": {"aws-strongswan": STRONG, "aws-openswan": WEAK},
    "vendors/strongswan/edited.txt": {"aws-strongswan": STRONG, "aws-openswan": WEAK},
    "vyatta/crlf.txt": {"aws-vyatta": STRONG},
    "vyatta/static.txt": {"aws-vyatta": STRONG},
    "vyatta/tab-header.txt": {"aws-vyatta": STRONG},
    "vyatta/transit-gateway.txt": {"aws-vyatta": STRONG},
    "vyatta/tunnel1-only.txt": {"aws-vyatta": STRONG},
    "vyatta/two-proposals.txt": {"aws-vyatta": STRONG},
    "vyatta/user-edited.txt": {"aws-vyatta": WEAK},
    "vyos/config.boot": {},
    "vyos/hub-spoke/hub-to-spoke1.json": {"json": CERTAIN},
    "vyos/hub-spoke/hub-to-spoke2.json": {"json": CERTAIN},
    "vyos/hub-spoke/spoke1-config.boot": {},
    "vyos/hub-spoke/spoke1-to-hub.json": {"json": CERTAIN},
    "vyos/hub-spoke/spoke2-to-hub.json": {"json": CERTAIN},
    "xml/comments.json": {"ec2-json": STRONG},
    "xml/double-escaped.json": {"ec2-json": STRONG},
    "xml/ec2-2013-10-15.xml": {"ec2-xml": CERTAIN},
    "xml/missing-subtrees.xml": {"aws-xml": STRONG},
    "xml/moto-padded.xml": {"aws-xml": STRONG},
    "xml/no-declaration.xml": {"aws-xml": STRONG},
    "xml/openstack-single.xml": {"aws-xml": STRONG},
    "xml/terraform-u003c.json": {"ec2-json": STRONG},
    "xml/tgw-ipv6.xml": {"aws-xml": STRONG},
    "xml/tunnel-options.json": {"ec2-json": STRONG},
}


def _texts() -> list[tuple[str, str]]:
    """Every fixture and every golden file (outputs read back) as text, by path."""
    out = []
    for base in (FIXTURES, ROOT / "tests" / "golden"):
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix != ".md":
                try:
                    out.append((str(path.relative_to(ROOT)), decode(path.read_bytes(), str(path))))
                except VpnxlateError:
                    continue
    return out


def _answer(text: str) -> str:
    try:
        return detect.detect_format(text)
    except VpnxlateError as e:
        return f"{type(e).__name__}: {e}"


def test_the_scale() -> None:
    assert (NO, WEAK, LIKELY, STRONG, CERTAIN) == (0, 1, 2, 3, 4)


def test_every_fixture_is_scored() -> None:
    files = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*") if p.is_file() and p.suffix != ".md")
    assert files == sorted(SCORES)


@pytest.mark.parametrize("rel", sorted(SCORES))
def test_scores_of_each_fixture(rel: str) -> None:
    text = decode((FIXTURES / rel).read_bytes(), rel)
    got = detect.scores(text)
    assert {n: s for n, s in got.items() if s != NO} == SCORES[rel]
    expected = SCORES[rel]
    if expected:
        best = max(expected.values())
        (winner,) = [n for n, s in expected.items() if s == best]
        assert detect.detect_format(text) == winner == vpnxlate.detect_format(text)
    else:
        with pytest.raises(FormatError):
            detect.detect_format(text)


def _orders() -> list[list[str]]:
    names = list(registry.INPUTS)
    rng = random.Random(10)
    orders = [names[::-1]] + [names[i:] + names[:i] for i in range(1, len(names))]
    for _ in range(6):
        shuffled = names[:]
        rng.shuffle(shuffled)
        orders.append(shuffled)
    return orders


def test_the_answer_does_not_depend_on_the_order_of_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    assert len(texts) > 100
    expected = {rel: _answer(text) for rel, text in texts}
    assert expected["fixtures/canonical/generic.txt"] == "aws-generic"
    assert expected["fixtures/vendors/strongswan/download.txt"] == "aws-strongswan"
    assert expected["fixtures/vendors/openswan/download.txt"] == "aws-openswan"
    original = dict(registry.INPUTS)
    for order in _orders():
        monkeypatch.setattr(registry, "INPUTS", {n: original[n] for n in order})
        for rel, text in texts:
            assert _answer(text) == expected[rel], (rel, order)


def test_an_ec2_response_wins_over_the_document_it_embeds() -> None:
    doc = fixture_text("canonical/connection.xml").split("?>", 1)[-1]
    text = (
        '<DescribeVpnConnectionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n'
        "<vpnConnectionSet><item><customerGatewayConfiguration><![CDATA["
        + doc
        + "]]></customerGatewayConfiguration></item></vpnConnectionSet></DescribeVpnConnectionsResponse>\n"
    )
    assert detect.scores(text) == {"ec2-xml": CERTAIN, "aws-xml": STRONG, "aws-generic": NO}
    assert detect.detect_format(text) == "ec2-xml"


def test_vpnxlate_json_wins_over_ec2_keys_in_its_values() -> None:
    text = vpnxlate.emit(vpnxlate.parse(fixture_text("canonical/generic.txt")), "json")
    hostile = text.replace('"connections"', '"connections_note": "\\"VpnConnections\\": [",\n  "connections"', 1)
    assert json.loads(hostile)["connections_note"] == '"VpnConnections": ['
    assert detect.scores(hostile)["ec2-json"] == STRONG and detect.scores(hostile)["json"] == CERTAIN
    assert detect.detect_format(hostile) == "json"


def _fake_parser(monkeypatch: pytest.MonkeyPatch, score: int) -> None:
    module = types.ModuleType("vpnxlate_test_fake_parser")
    module.NAME = "fake"  # type: ignore[attr-defined]
    module.DESCRIPTION = "a parser that claims every text"  # type: ignore[attr-defined]
    module.detect = lambda text: score  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(registry, "INPUTS", {**registry.INPUTS, "fake": registry.Input(module.__name__)})


def test_a_tie_is_an_error_naming_both_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_parser(monkeypatch, STRONG)
    text = fixture_text("canonical/generic.txt")
    with pytest.raises(FormatError) as exc:
        detect.detect_format(text, source="g.txt")
    assert str(exc.value) == (
        "g.txt: the text reads as aws-generic and as fake alike; name its format (--from aws-generic or --from fake)"
    )
    with pytest.raises(FormatError) as api:
        vpnxlate.detect_format(text, source="g.txt")
    assert (
        str(api.value)
        == "g.txt: the text reads as aws-generic and as fake alike; name its format (format aws-generic or format fake)"
    )


def test_a_higher_score_wins_whatever_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_parser(monkeypatch, CERTAIN)
    assert detect.detect_format(fixture_text("canonical/generic.txt")) == "fake"
    monkeypatch.setattr(
        registry, "INPUTS", {"fake": registry.INPUTS["fake"], "aws-generic": registry.INPUTS["aws-generic"]}
    )
    assert detect.detect_format(fixture_text("canonical/generic.txt")) == "fake"


def test_a_score_off_the_scale_is_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_parser(monkeypatch, 7)
    with pytest.raises(ValueError, match=r"fake.detect\(\) returned 7, not a score 0..4"):
        detect.scores("hello")


def test_other_vendor_statements_refuse_a_text_no_vendor_parser_claims() -> None:
    generic = fixture_text("canonical/generic.txt")
    assert aws_generic.detect(generic) == STRONG
    with_cisco = generic + "\ncrypto isakmp policy 200\n"
    assert detect.scores(with_cisco)["aws-generic"] == STRONG
    with pytest.raises(FormatError) as exc:
        detect.detect_format(with_cisco, source="x.txt")
    assert str(exc.value) == (
        "x.txt: this looks like AWS's configuration download for Cisco, but it lacks the statements "
        "vpnxlate reads it by (truncated or edited download?)"
    )
    with pytest.raises(FormatError, match="download for Juniper ScreenOS; vpnxlate reads the Generic"):
        detect.detect_format(fixture_text("other-vendors/screenos.txt"))
    # a vendor download vpnxlate reads is not refused by its own statements
    assert detect.detect_format(fixture_text("vendors/cisco-ios/ikev1-bgp.txt")) == "aws-cisco-ios"


def test_the_messages_when_no_format_scores() -> None:
    assert _answer("") == "FormatError: empty input"
    assert _answer("hello\n") == (
        "FormatError: not an AWS Site-to-Site VPN configuration (Generic, Vyatta, XML or "
        "DescribeVpnConnections output expected)"
    )
    assert _answer("Amazon Web Services\n") == (
        "FormatError: mentions AWS VPN terms but is in none of the formats vpnxlate reads "
        "(truncated or edited download?)"
    )
    assert (
        _answer("YOUR_UPLINK_ADDRESS\n")
        == "PlaceholderError: placeholder 'YOUR_UPLINK_ADDRESS' instead of a configuration"
    )


def test_candidates_are_the_registry_hints() -> None:
    assert detect.candidates(fixture_text("canonical/generic.txt")) == ["aws-generic"]
    assert detect.candidates("# c\n\n  {") == ["json", "jsonl", "ec2-json", "aws-generic"]
    assert detect.candidates("<x/>") == ["ec2-xml", "aws-xml", "aws-generic"]
    assert set(detect.scores("<x/>")) == {"ec2-xml", "aws-xml", "aws-generic"}


def test_each_input_line_carries_its_own_hints() -> None:
    """The hints live on the format's one registry line (no second table to keep in step)."""
    assert all(isinstance(entry, registry.Input) for entry in registry.INPUTS.values())
    assert not hasattr(registry, "STARTS_WITH") and not hasattr(registry, "CONTAINS")
    assert registry.INPUTS["ec2-json"] == registry.Input("vpnxlate.parsers.ec2_json", starts_with="{[")
    assert registry.INPUTS["aws-juniper"].contains == "st0" and registry.INPUTS["aws-juniper"].starts_with is None
    assert registry.INPUTS["aws-generic"] == registry.Input("vpnxlate.parsers.aws_generic")  # asked about every text
    with pytest.raises(ValueError, match="non-empty"):
        registry.Input("m", contains="")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        registry.INPUTS["json"].contains = "x"  # type: ignore[misc]


def test_a_format_its_hints_leave_out_scores_no_on_every_fixture() -> None:
    """A hint may only skip a parser whose detect() would have said NO anyway."""
    texts = _texts()
    skipped = 0
    for rel, text in texts:
        asked = set(detect.candidates(text))
        for name in registry.INPUTS:
            if name not in asked:
                skipped += 1
                assert registry.input_module(name).detect(text) == NO, (rel, name)
    assert skipped > len(texts)  # the hints do skip parsers


def test_a_format_without_hints_is_asked_about_every_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "INPUTS", {n: registry.Input(e.module) for n, e in registry.INPUTS.items()})
    assert detect.candidates("<x/>") == list(registry.INPUTS)


# ------------------------------------------------------------------ wrappers


def test_the_device_sample_is_unwrapped_by_the_room() -> None:
    generic = fixture_text("canonical/generic.txt")
    text = json.dumps({"VpnConnectionDeviceSampleConfiguration": generic}, indent=4)
    embedded = ec2_json.unwrap(text)
    assert embedded is not None
    assert (embedded.text, embedded.field, embedded.line) == (generic, "VpnConnectionDeviceSampleConfiguration", 2)
    assert ec2_json.unwrap(fixture_text("canonical/ec2/describe-cli.json")) is None
    report = Report("s.json")
    assert detect.read(text, None, report) == aws_generic.parse(generic, Report())
    # the parser alone does not detect (it never calls back into the package)
    with pytest.raises(ParseError, match="holds a download in another format"):
        ec2_json.parse(text, Report())


def test_a_wrapper_in_the_wrapper_is_refused() -> None:
    inner = json.dumps({"VpnConnections": []})
    text = json.dumps({"VpnConnectionDeviceSampleConfiguration": inner}, indent=1)
    with pytest.raises(ParseError) as exc:
        detect.read(text, None, Report())
    assert exc.value.message == (
        "VpnConnectionDeviceSampleConfiguration: VpnConnectionDeviceSampleConfiguration holds another JSON wrapper"
    )
    assert exc.value.line == 2


def test_no_parser_imports_the_package_api() -> None:
    """Parsers import the package's modules (errors, model, algorithms, the score names of
    detect), never the package itself (``from .. import parse``) nor the detection functions."""
    parsers = ROOT / "vpnxlate" / "parsers"
    modules = {p.stem for p in (ROOT / "vpnxlate").glob("*.py")} | {"emitters", "parsers"}
    for path in sorted(parsers.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                if node.module is None:
                    assert {a.name for a in node.names} <= modules, path.name
                elif node.module == "detect":
                    assert {a.name for a in node.names} <= {"NO", "WEAK", "LIKELY", "STRONG", "CERTAIN"}, path.name
            if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n == "vpnxlate" or n.startswith("vpnxlate.") for n in names), path.name


# ------------------------------------------------------------------ start-up


def test_convert_of_a_generic_file_imports_no_heavy_module() -> None:
    code = (
        "import contextlib, io, sys\n"
        "import vpnxlate.cli as c\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert c.main(['convert', sys.argv[1], '--to', 'json']) == 0\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "canonical" / "generic.txt")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.split()
    assert [m for m in loaded if m.startswith("vpnxlate")] == [
        "vpnxlate",
        "vpnxlate.algorithms",
        "vpnxlate.cli",
        "vpnxlate.detect",
        "vpnxlate.diagnostics",
        "vpnxlate.emitters",
        "vpnxlate.emitters._base",
        "vpnxlate.emitters.vpnxlate_json",
        "vpnxlate.errors",
        "vpnxlate.io",
        "vpnxlate.lint",
        "vpnxlate.model",
        "vpnxlate.options",
        "vpnxlate.parsers",
        "vpnxlate.parsers._common",
        "vpnxlate.parsers.aws_generic",
        "vpnxlate.record",
        "vpnxlate.registry",
        "vpnxlate.vocab",
        "vpnxlate.vocab.aws",
        "vpnxlate.vocab.vpnxlate_json",
        "vpnxlate.vocab.vyatta",
    ]
    assert not [
        m for m in loaded if m.split(".")[0] in ("lxml", "ciscoconfparse", "boto3") or m == "encodings.utf_8_sig"
    ]
