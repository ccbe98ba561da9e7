"""The diagnostics policy: the codes registry, levels, --error-on/--ignore, unsupported(), relocate()."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import attrs
import pytest

import vpnxlate
from vpnxlate import diagnostics
from vpnxlate.diagnostics import CODES, Diagnostic, DiagnosticsError, ErrorLevel, Policy, Report, relocate
from vpnxlate.errors import EmitError, ParseError, ValidationError, VpnxlateError
from vpnxlate.model import VpnConnection

from .conftest import assert_one_line_error, run_cli
from .test_cli import PSK1
from .test_cli import model as cli_model

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vpnxlate"

LEADING_ZERO = "the pre-shared key starts with 0, which AWS does not accept"
W1 = f"vpn-0c0ffee0123456789: tunnel 203.0.113.21: psk: {LEADING_ZERO}"
W2 = f"vpn-0c0ffee0123456789: tunnel 203.0.113.22: psk: {LEADING_ZERO}"


def model(psk1: str = "0FAKE_tunnel1.key", psk2: str = "0FAKE_tunnel2.key") -> VpnConnection:
    """test_cli's connection (BGP, two tunnels) with both keys chosen."""
    conn = cli_model(psk2=psk2)
    return attrs.evolve(conn, tunnels=[attrs.evolve(t, psk=psk1) if t.psk == PSK1 else t for t in conn.tunnels])


@pytest.fixture(scope="module")
def text() -> str:
    """A model JSON whose two tunnels each give one lint-psk warning (keys starting with 0)."""
    return vpnxlate.emit([model()], "json")


# ------------------------------------------------------------------ the registry is complete


def _warn_calls() -> list[tuple[str, int, ast.Call]]:
    """Every report.warn(...)/x.warn(...)/unsupported(...) call of the package (not warnings.warn)."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if (
                isinstance(f, ast.Attribute)
                and f.attr == "warn"
                and ast.unparse(f.value) not in ("_warnings", "warnings")
            ) or (isinstance(f, ast.Name) and f.id == "unsupported"):
                out.append((str(path.relative_to(ROOT)), node.lineno, node))
    return out


# the code arguments that are not string literals: forwarded by the one function that passes
# its caller's code on, or looked up in a table of literals checked below
FORWARDED = {
    ("vpnxlate/emitters/_aws.py", "code"),  # Picker.warn -> unsupported()
    ("vpnxlate/emitters/_base.py", "code"),  # unsupported() -> report.warn
    ("vpnxlate/detect.py", "d.code"),  # an embedded download's warnings, re-reported by the wrapper
    ("vpnxlate/__init__.py", "d.code"),  # the lint warnings of several inputs, each given once
    ("vpnxlate/lint.py", "_CODE_OF_FIELD[field]"),
    ("vpnxlate/parsers/vpnxlate_jsonl.py", "d.code"),  # a JSON Lines line's warnings, named by the line
    ("vpnxlate/stream.py", "d.code"),  # the lint warnings of a JSON Lines line, named by the line
}


def _literal_table(rel: str, name: str) -> dict[str, str]:
    """The dict literal assigned to ``name`` at the top of a package module, read from its source."""
    for node in ast.parse((ROOT / rel).read_text(encoding="utf-8")).body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            assert isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
            table = ast.literal_eval(node.value)
            assert isinstance(table, dict)
            return table
    raise AssertionError(f"{rel} assigns no {name}")


def test_every_warning_carries_a_registered_code_and_every_code_is_used() -> None:
    # lint.py forwards the code of the field it checks: the codes of its table are used
    code_of_field = _literal_table("vpnxlate/lint.py", "_CODE_OF_FIELD")
    assert code_of_field["psk"] == "lint-psk" and len(code_of_field) >= 10
    calls = _warn_calls()
    assert len(calls) > 100  # the scan finds the package's warnings (about 110 today)
    used: set[str] = set(code_of_field.values())
    problems = []
    for path, line, call in calls:
        code = next((k.value for k in call.keywords if k.arg == "code"), None)
        if code is None:
            problems.append(f"{path}:{line}: no code=")
        elif isinstance(code, ast.Constant) and isinstance(code.value, str):
            if code.value not in CODES:
                problems.append(f"{path}:{line}: unregistered code {code.value!r}")
            used.add(code.value)
        elif (path, ast.unparse(code)) not in FORWARDED:
            problems.append(f"{path}:{line}: code={ast.unparse(code)} is neither a literal nor a known forward")
    assert problems == []
    assert sorted(set(CODES) - used) == []  # registered but never used
    assert sorted(used - set(CODES)) == []


def test_codes_are_kebab_case_with_an_area_and_a_description() -> None:
    for name, code in CODES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
        assert code.name == name and code.area in diagnostics.AREAS and code.description
        assert "\n" not in code.description and "|" not in code.description


def test_docs_list_every_code_as_the_registry_does() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    begin = doc.index("-->\n", doc.index("<!-- generated from vpnxlate.diagnostics.CODES")) + 4
    end = doc.index("<!-- end of generated table -->")
    assert doc[begin:end] == diagnostics.codes_markdown()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (.*) \|$", doc, re.M)
    assert rows == [(c.name, c.description) for a in diagnostics.AREAS for c in CODES.values() if c.area == a]
    assert len(rows) == len(CODES)


def test_unregistered_or_missing_code_is_a_bug() -> None:
    report = Report("t")
    with pytest.raises(ValueError, match="unregistered diagnostic code 'no-such-code'"):
        report.warn("x", code="no-such-code")
    with pytest.raises(TypeError):
        report.warn("x")  # type: ignore[call-arg]
    assert report.diagnostics == []


# ------------------------------------------------------------------ levels


def test_level_warn_is_the_default_and_keeps_messages_without_code(text: str) -> None:
    conns, report = vpnxlate.parse_report(text, source="m.json")
    assert [(d.code, d.message, d.field) for d in report] == [("lint-psk", W1, "psk"), ("lint-psk", W2, "psk")]
    assert [str(d) for d in report] == [f"m.json: {W1}", f"m.json: {W2}"]
    with pytest.warns(vpnxlate.VpnxlateWarning) as caught:
        vpnxlate.parse(text, source="m.json")
    assert [str(w.message) for w in caught] == [f"m.json: {W1}", f"m.json: {W2}"]
    assert len(conns) == 1


def test_level_ignore_drops_every_warning(text: str) -> None:
    conns, report = vpnxlate.parse_report(text, source="m.json", level="ignore")
    assert report.diagnostics == [] and len(conns[0].tunnels) == 2
    assert vpnxlate.parse_report(text, level=ErrorLevel.IGNORE)[1].diagnostics == []


def test_level_raise_collects_then_raises_them_all(text: str) -> None:
    with pytest.raises(DiagnosticsError) as info:
        vpnxlate.parse_report(text, source="m.json", level="raise")
    assert str(info.value) == (f"2 warnings raised as errors: m.json: {W1} [lint-psk]; m.json: {W2} [lint-psk]")
    assert [d.message for d in info.value.diagnostics] == [W1, W2]
    assert isinstance(info.value, ValidationError)


def test_level_raise_in_convert_raises_parse_and_emit_warnings_together(text: str) -> None:
    with pytest.raises(DiagnosticsError) as info:
        vpnxlate.convert(
            text, "vyos", source="m.json", level="raise", local_address="192.0.2.130", advertise=["10.0.0.0/16"]
        )
    assert [d.code for d in info.value.diagnostics] == ["lint-psk", "lint-psk", "vyos-default", "vyos-default"]


def test_level_immediate_raises_the_first_warning_where_it_happens(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        vpnxlate.parse_report(text, source="m.json", level="immediate")
    assert not isinstance(info.value, DiagnosticsError)
    assert str(info.value) == f"m.json: psk: {W1}"
    # strict=True is the same level
    with pytest.raises(ValidationError) as strict:
        vpnxlate.parse_report(text, source="m.json", strict=True)
    assert str(strict.value) == str(info.value)
    assert Report(strict=True).policy == Policy(ErrorLevel.IMMEDIATE) and Report(strict=True).strict


def test_unknown_level_is_refused_in_api_terms(text: str) -> None:
    with pytest.raises(EmitError, match=r"^level: unknown level 'loud'; one of ignore, warn, raise, immediate$"):
        vpnxlate.parse_report(text, level="loud")


# ------------------------------------------------------------------ per-code choices


def test_policy_actions() -> None:
    p = Policy(ErrorLevel.WARN, error_on=["all"], ignore=["no-advertise"])
    assert p.action("no-advertise") is ErrorLevel.IGNORE and p.action("lint-psk") is ErrorLevel.IMMEDIATE
    p = Policy(ErrorLevel.WARN, error_on=["lint-psk"], ignore=["all"])
    assert p.action("lint-psk") is ErrorLevel.IMMEDIATE and p.action("unsupported") is ErrorLevel.IGNORE
    p = Policy(ErrorLevel.RAISE, error_on=["lint-psk"], ignore=["lint-psk"])
    assert p.action("lint-psk") is ErrorLevel.IGNORE and p.action("state") is ErrorLevel.RAISE


def test_error_on_and_ignore_in_the_api(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        vpnxlate.parse_report(text, source="m.json", error_on=["lint-psk"])
    assert str(info.value) == f"m.json: psk: {W1}"
    assert vpnxlate.parse_report(text, ignore=["lint-psk"])[1].diagnostics == []
    assert vpnxlate.parse_report(text, error_on=["all"], ignore=["lint-psk"])[1].diagnostics == []
    assert len(vpnxlate.parse_report(text, error_on=["no-advertise"])[1]) == 2  # other codes still warn
    with pytest.raises(EmitError, match=r"^error_on and ignore take a list of codes, not a string$"):
        vpnxlate.parse_report(text, ignore="lint-psk")  # type: ignore[arg-type]
    # emit: ignore one code, the others stay
    _files, report = vpnxlate.emit_report(
        [model("FAKE_tunnel1.key", "FAKE_tunnel2.key")], "vyos", ignore=["vyos-default"]
    )
    assert [d.code for d in report] == ["vyos-no-local-address", "no-advertise"]


def test_unknown_code_in_the_api_names_where_the_codes_are(text: str) -> None:
    with pytest.raises(EmitError) as info:
        vpnxlate.convert(text, "json", error_on=["lint-pks"])
    assert str(info.value) == (
        "error_on: unknown diagnostic code 'lint-pks'; 'vpnxlate codes' lists them "
        "(also docs/diagnostics.md, vpnxlate.diagnostics.CODES)"
    )


# ------------------------------------------------------------------ the command line


@pytest.fixture
def model_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "m.json"
    p.write_text(text)
    return p


def test_cli_warning_lines_end_with_the_code(model_file: Path) -> None:
    proc = run_cli("convert", str(model_file), "--to", "json")
    assert proc.returncode == 0
    assert (
        proc.stderr
        == f"vpnxlate: warning: {model_file}: {W1} [lint-psk]\nvpnxlate: warning: {model_file}: {W2} [lint-psk]\n"
    )


def test_cli_ignore(model_file: Path) -> None:
    proc = run_cli("convert", str(model_file), "--to", "json", "--ignore", "lint-psk")
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["warnings"] == []
    proc = run_cli("convert", str(model_file), "--to", "json", "--ignore", "all")
    assert proc.returncode == 0 and proc.stderr == ""


def test_cli_error_on(model_file: Path) -> None:
    expected = f"vpnxlate: error: {model_file}: psk: {W1}"
    for flags in (
        ["--error-on", "lint-psk"],
        ["--error-on", "no-advertise", "--error-on", "lint-psk"],
        ["--error-on", "all"],
        ["--strict"],
    ):
        line = assert_one_line_error(run_cli("convert", str(model_file), "--to", "json", *flags))
        assert line == expected, flags
    # a code named explicitly wins over all
    proc = run_cli("convert", str(model_file), "--to", "json", "--error-on", "all", "--ignore", "lint-psk")
    assert proc.returncode == 0 and proc.stderr == ""
    # another code: the warnings stay warnings
    proc = run_cli("convert", str(model_file), "--to", "json", "--error-on", "no-advertise")
    assert proc.returncode == 0 and proc.stderr.count("[lint-psk]\n") == 2


def test_cli_unknown_code(model_file: Path) -> None:
    for flag in ("--error-on", "--ignore"):
        line = assert_one_line_error(run_cli("convert", str(model_file), "--to", "json", flag, "lint-pks"))
        assert line == (
            f"vpnxlate: error: {flag}: unknown diagnostic code 'lint-pks'; 'vpnxlate codes' lists them "
            "(also docs/diagnostics.md, vpnxlate.diagnostics.CODES)"
        )


def test_cli_codes_lists_the_registry() -> None:
    proc = run_cli("codes")
    assert proc.returncode == 0 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "Reading an input (parsers):"
    assert "  lint-psk                " + CODES["lint-psk"].description in lines
    assert len([ln for ln in lines if ln.startswith("  ")]) == len(CODES)
    table = json.loads(run_cli("codes", "--json").stdout)
    assert [(e["code"], e["area"], e["description"]) for e in table] == [
        (c.name, c.area, c.description) for c in CODES.values()
    ]


# ------------------------------------------------------------------ unsupported()


def test_unsupported_is_the_one_way_emitters_report_what_they_cannot_write() -> None:
    from vpnxlate.emitters import unsupported

    report = Report("target x")
    unsupported(report, "c: tunnel 1 (203.0.113.1)", "no place for it; left out", field="tcp_mss", code="unsupported")
    unsupported(report, None, "writing tunnel mode", field="ipsec.mode", code="transport-mode")
    assert report.diagnostics == [
        Diagnostic("c: tunnel 1 (203.0.113.1): no place for it; left out", "target x", None, "tcp_mss", "unsupported"),
        Diagnostic("writing tunnel mode", "target x", None, "ipsec.mode", "transport-mode"),
    ]
    with pytest.raises(EmitError) as info:
        unsupported(Report("target x", strict=True), "c", "left out", field="f", code="unsupported", error=EmitError)
    assert str(info.value) == "target x: f: c: left out"
    # no emitter formats its own warning, except routing-policy advice and the --router-config note
    direct = [
        (path, line)
        for path, line, call in _warn_calls()
        if path.startswith("vpnxlate/emitters/")
        and isinstance(call.func, ast.Attribute)
        and ast.unparse(call.func.value) in ("report", "self.report")
        and path not in ("vpnxlate/emitters/_policy.py", "vpnxlate/emitters/_base.py")
    ]
    assert [p for p, _ in direct] == ["vpnxlate/emitters/vyos.py"]  # the router_config note (has its own source)


# ------------------------------------------------------------------ relocate()


def test_relocate_fills_what_is_unknown_and_keeps_what_is_known() -> None:
    e = ValidationError("bad value", field="lifetime_s")
    assert relocate(e, source="a.txt", line=7, field="other") is e
    assert (e.source, e.line, e.field, str(e)) == ("a.txt", 7, "lifetime_s", "a.txt:7: lifetime_s: bad value")
    e = ParseError("bad", source="x.xml", line=3)
    relocate(e, source="y.xml", line=9, field="f")
    assert (e.source, e.line, e.field) == ("x.xml", 3, "f")


def test_relocate_parent_rename_and_context() -> None:
    e = relocate(ValidationError("m", field="mode"), parent="ipsec_tunnel[1]", sep="/ipsec/", line=4)
    assert (e.field, e.line) == ("ipsec_tunnel[1]/ipsec/mode", 4)
    e = relocate(ValidationError("m", field="ipsec_tunnel[1]/x"), parent="ipsec_tunnel[1]", sep="/")
    assert e.field == "ipsec_tunnel[1]/x"  # already named under the parent
    assert relocate(ValidationError("m"), parent="TunnelOptions[0]").field == "TunnelOptions[0]"
    assert relocate(ValidationError("m"), parent="connections[0].", sep="", name_unnamed=False).field is None
    assert relocate(ValidationError("m", field="psk"), parent="connections[0].", sep="").field == "connections[0].psk"
    assert relocate(ValidationError("m", field="ipsec.mode"), rename="peer 1 mode").field == "peer 1 mode"
    e = relocate(ValidationError("bad"), context="vpn-1: CustomerGatewayConfiguration", known="vpn-1")
    assert e.message == "vpn-1: CustomerGatewayConfiguration: bad"
    assert relocate(ValidationError("vpn-1: bad"), context="vpn-1: X", known="vpn-1").message == "vpn-1: bad"


def test_relocated_errors_reach_the_user_with_file_line_and_field(tmp_path: Path) -> None:
    """End to end through a parser's relocation (vpnxlate_json: the field under its connection/tunnel)."""
    doc = json.loads(vpnxlate.emit([model("FAKE_tunnel1.key", "FAKE_tunnel2.key")], "json"))
    doc["connections"][0]["tunnels"][1]["ike"]["lifetime_s"] = -5
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(VpnxlateError) as info:
        vpnxlate.parse(p.read_text(), source=str(p))
    assert info.value.source == str(p) and info.value.field == "connections[0].tunnels[1].ike.lifetime_s"
    line = assert_one_line_error(run_cli("convert", str(p), "--to", "json"))
    assert line == f"vpnxlate: error: {info.value}"


# ------------------------------------------------------------------ placement


def test_moved_classes_keep_their_old_import_paths() -> None:
    from vpnxlate import emitters, errors, registry
    from vpnxlate.record import Record

    assert errors.Report is Report is vpnxlate.Report and errors.Diagnostic is Diagnostic is vpnxlate.Diagnostic
    assert errors.VpnxlateWarning is vpnxlate.VpnxlateWarning is diagnostics.VpnxlateWarning
    assert errors.Record is Record
    assert registry.OutputFile is emitters.OutputFile is vpnxlate.OutputFile
    assert vpnxlate.OutputFile.__module__ == "vpnxlate.emitters._base"  # defined with unsupported()
    with pytest.raises(AttributeError):
        errors.NoSuchThing  # noqa: B018
