"""The per-format vocabularies (vpnxlate/vocab/): the one tokenizer of the set-command/config.boot
family on tricky quoting, the VyOS marks written and read from one template, the Vyatta spellings
read back, the JSON schema (keys, version check)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vpnxlate
from vpnxlate import algorithms
from vpnxlate.emitters import vpnxlate_json as json_writer
from vpnxlate.errors import ParseError
from vpnxlate.vocab import setcmd, vyatta
from vpnxlate.vocab import vpnxlate_json as schema
from vpnxlate.vocab import vyos as marks

from .conftest import assert_one_line_error, run_cli

# ------------------------------------------------------------------ tokenizer


@pytest.mark.parametrize(
    "line, vyatta_words, vyos_words",
    [
        ("set a 'b c' d", ["set", "a", "b c", "d"], ["set", "a", "b c", "d"]),
        ("a'b c'd", ["ab cd"], ["ab cd"]),  # quotes join the parts of one word
        ("x '' y", ["x", "", "y"], ["x", "", "y"]),  # an empty quoted value is a word
        ('k "it\'s" \'say "hi"\'', ["k", "it's", 'say "hi"'], ["k", "it's", 'say "hi"']),
        ("a #b c", ["a", "#b", "c"], ["a"]),  # VyOS: '#' starting a word ends the line
        ("a b#c", ["a", "b#c"], ["a", "b#c"]),  # inside a word '#' is a character
        ("a '#b' c", ["a", "#b", "c"], ["a", "#b", "c"]),  # quoted: never a comment
        ("a\x0bb\xa0c", ["a\x0bb\xa0c"], ["a", "b", "c"]),  # Vyatta: only space/TAB separate words
        ("a\t\tb", ["a", "b"], ["a", "b"]),
        ("", [], []),
    ],
)
def test_set_command_dialects(line: str, vyatta_words: list[str], vyos_words: list[str]) -> None:
    assert setcmd.words(line, setcmd.VYATTA) == vyatta_words
    assert setcmd.words(line, setcmd.VYOS) == vyos_words


@pytest.mark.parametrize(
    "dialect, message",
    [
        (setcmd.VYATTA, "unterminated ' quote (truncated or edited download?)"),
        (setcmd.VYOS, "unterminated quote"),
    ],
)
def test_unterminated_quote_never_shows_the_line(dialect: setcmd.Dialect, message: str) -> None:
    with pytest.raises(ParseError) as e:
        setcmd.words("set x pre-shared-secret 'FAKE_secret_value", dialect, 7)
    assert e.value.message == message
    assert e.value.line == 7
    assert "FAKE" not in str(e.value)


def test_config_boot_tokens() -> None:
    text = (
        'interfaces { /* two\nlines */ ethernet eth0 {\n  description "a \\"b\\" {c}" # note\n'
        '  address 10.0.1.5/24 // x\n  x"y"\n} }\n'
    )
    assert setcmd.scan(text, setcmd.CONFIG_BOOT, source="F") == [
        ("interfaces", 1, False),
        ("{", 1, False),
        ("ethernet", 2, False),
        ("eth0", 2, False),
        ("{", 2, False),
        ("\n", 2, False),
        ("description", 3, False),
        ('a "b" {c}', 3, True),  # backslash escapes, braces inside a quote are text
        ("\n", 3, False),
        ("address", 4, False),
        ("10.0.1.5/24", 4, False),
        ("\n", 4, False),
        ("x", 5, False),  # a quote is a token of its own here
        ("y", 5, True),
        ("\n", 5, False),
        ("}", 6, False),
        ("}", 6, False),
        ("\n", 6, False),
    ]


@pytest.mark.parametrize(
    "text, message, line",
    [
        ('a "b\nc"', "unterminated quoted value", 1),  # a quote never spans a line
        ('a\n"b\\', "unterminated quoted value", 2),
        ("a\n/* never closed", "unterminated /* comment", 2),
    ],
)
def test_config_boot_errors(text: str, message: str, line: int) -> None:
    with pytest.raises(ParseError) as e:
        setcmd.scan(text, setcmd.CONFIG_BOOT, source="r.boot")
    assert (e.value.message, e.value.line, e.value.source) == (message, line, "r.boot")


def test_the_three_readers_use_the_one_tokenizer() -> None:
    from vpnxlate.parsers import aws_vyatta, vyos

    assert aws_vyatta.tokenize("set a'b c' #d") == ["set", "ab c", "#d"]
    assert vyos.tokenize("set a'b c' #d", 1) == ["set", "ab c"]


# ------------------------------------------------------------------ VyOS marks


def test_vyos_marks_are_read_by_the_regexes_built_from_the_same_templates() -> None:
    line = marks.connection_line("vpn-0abc123", None, "tgw-0def", "cgw-1", "static")
    assert (
        line
        == "# connection vpn-0abc123: vpn-gateway -; transit-gateway tgw-0def; customer-gateway cgw-1; routing static"
    )
    m = marks.CONNECTION_LINE_RE.match(line)
    assert m is not None and m.groups() == ("vpn-0abc123", "-", "tgw-0def", "cgw-1", "static")
    name = marks.peer_name("0c0ffee0123456789", 2)
    assert name == "AWS-0c0ffee0123456789-T2"
    assert marks.PEER_NAME_RE.fullmatch(name).group(1) == "0c0ffee0123456789"  # type: ignore[union-attr]
    desc = marks.description("vpn-0c0ffee0", 1)
    assert desc == "vpn-0c0ffee0 tunnel 1"
    assert marks.DESCRIPTION_RE.fullmatch(desc).group(1) == "vpn-0c0ffee0"  # type: ignore[union-attr]
    head = marks.header("1.4", "9.9.9", "primary")
    assert head == "# vpnxlate: VyOS 1.4 set-commands (vpnxlate 9.9.9, --to vyos --vyos-version 1.4 --role primary)"
    assert marks.HEADER_RE.search("x\n" + head)
    item = marks.cloud_config_item("set a 'it''s'")
    assert item == "  - 'set a ''it''''s'''"
    assert marks.cloud_config_command(item.strip()) == "set a 'it''s'"
    assert marks.cloud_config_command("-   'set b'  ") == "set b"
    assert marks.cloud_config_command("- set b") is None


def test_vyatta_spellings_read_back() -> None:
    for canon, word in vyatta.ENCRYPTION.items():
        assert algorithms.encryption(word) == canon
    for canon, word in vyatta.INTEGRITY.items():
        assert algorithms.integrity(word) == canon
    assert set(vyatta.ENCRYPTION) == set(algorithms.ENCRYPTIONS)
    assert set(vyatta.INTEGRITY) == set(algorithms.INTEGRITIES)


# ------------------------------------------------------------------ JSON schema


def _document() -> dict[str, object]:
    text = vpnxlate.convert(Path("fixtures/canonical/generic.txt").read_text(), "json")
    doc = json.loads(text)
    assert isinstance(doc, dict)
    return doc


def test_json_writer_writes_the_schema_keys_in_order() -> None:
    doc = _document()
    assert tuple(doc) == schema.DOCUMENT
    assert doc[schema.VERSION_KEY] == schema.VERSION == 1
    conn = doc["connections"][0]  # type: ignore[index]
    assert tuple(conn) == tuple(schema.CONNECTION)
    tunnel = conn["tunnels"][0]
    assert tuple(tunnel) == tuple(schema.TUNNEL)
    assert tuple(tunnel["ike"]) == tuple(schema.IKE)
    assert tuple(tunnel["ipsec"]) == tuple(schema.IPSEC)
    for key, kind in schema.TUNNEL.items():
        assert tunnel[key] is None or isinstance(tunnel[key], kind), key
    assert json_writer.SCHEMA_VERSION == schema.VERSION


def test_json_without_a_version_is_read_as_version_1() -> None:
    doc = _document()
    with_version = vpnxlate.parse(json.dumps(doc))
    del doc[schema.VERSION_KEY]
    text = json.dumps(doc)
    assert vpnxlate.detect_format(text) == "json"
    assert vpnxlate.parse(text) == with_version
    assert with_version[0].vpn_connection_id == "vpn-0c0ffee0123456789"


@pytest.mark.parametrize(
    "version, message",
    [
        (2, "schema version 2 is not supported (written by a newer vpnxlate?); this vpnxlate reads version 1"),
        (0, "schema version 0 is not supported; this vpnxlate reads version 1"),
        ("1", "the schema version must be an integer, not a string; this vpnxlate reads version 1"),
        (1.0, "the schema version must be an integer, not a number; this vpnxlate reads version 1"),
        (True, "the schema version must be an integer, not true/false; this vpnxlate reads version 1"),
        (None, "the schema version must be an integer, not null; this vpnxlate reads version 1"),
    ],
)
def test_json_of_another_version_is_refused(version: object, message: str) -> None:
    doc = _document()
    doc[schema.VERSION_KEY] = version
    with pytest.raises(ParseError) as e:
        vpnxlate.parse(json.dumps(doc))
    assert (e.value.field, e.value.message) == (schema.VERSION_KEY, message)


def test_json_newer_version_cli_one_line(tmp_path: Path) -> None:
    doc = _document()
    doc[schema.VERSION_KEY] = 2
    doc["connections"] = {"a future layout": []}  # checked before the connections
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc))
    line = assert_one_line_error(run_cli("convert", str(path), "--to", "vyos"))
    assert line == (
        f"vpnxlate: error: {path}: vpnxlate_json: schema version 2 is not supported (written by a newer "
        "vpnxlate?); this vpnxlate reads version 1"
    )


def test_json_tunnel_key_groups_are_schema_keys_and_leave_out_only_identity_key_and_options() -> None:
    groups = schema.TUNNEL_ADDRESSES + schema.TUNNEL_BGP + schema.TUNNEL_PROPOSALS
    assert len(set(groups)) == len(groups) and set(groups) <= set(schema.TUNNEL)
    # every address-valued key but the tunnel's identity is an address key
    assert {k for k in schema.TUNNEL if k.endswith(("_ip", "_cidr"))} - set(groups) == {"aws_outside_ip"}
