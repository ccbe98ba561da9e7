"""The one tokenizer of the set-command / config.boot family (Vyatta, VyOS).

Three dialects of one syntax, each read by :func:`scan`:

* :data:`VYATTA` — AWS's Vyatta download, one ``set`` command per line: words separated by
  space/TAB; ``'…'`` and ``"…"`` quote (no escapes) and join the parts of one word (``a'b c'`` is
  ``ab c``); no comments inside a line (the reader drops ``!``/``#`` lines before).
* :data:`VYOS` — ``--to vyos`` set-commands read back: the same, any whitespace separates words,
  and a ``#`` at the start of a word ends the line (a comment).
* :data:`CONFIG_BOOT` — a saved ``config.boot``: ``{``/``}`` and newlines are tokens, only
  ``"…"`` quotes (a backslash escapes the next character, a quote never spans a line and is a
  token of its own), ``#``, ``//`` and ``/* … */`` comments.

An unterminated quote is a :class:`~vpnxlate.errors.ParseError` whose message never shows the
line (it may hold a pre-shared key).
"""

from __future__ import annotations

import re

import attrs

from ..errors import ParseError


@attrs.frozen
class Dialect:
    blanks: str  # regex character-class body: what separates words
    quotes: str  # the quote characters
    join: bool  # quoted parts join the unquoted parts next to them into one word
    escapes: bool  # a backslash inside a quote escapes the next character
    newlines: bool  # a newline is a token (and a quote never spans one)
    line_comments: tuple[str, ...]  # at the start of a word: the rest of the line is a comment
    block_comment: tuple[str, str] | None  # anywhere between words
    punctuation: str  # characters that are a token of their own
    unterminated: str  # message; {quote} is the quote character
    blank_re: re.Pattern[str] = attrs.field(init=False)
    word_re: re.Pattern[str] = attrs.field(init=False)

    @blank_re.default
    def _blank_re(self) -> re.Pattern[str]:
        return re.compile(f"[{self.blanks}]+")

    @word_re.default
    def _word_re(self) -> re.Pattern[str]:
        stops = self.blanks + re.escape(self.quotes + self.punctuation) + ("\\n" if self.newlines else "")
        return re.compile(f"[^{stops}]+")


VYATTA = Dialect(
    blanks=" \\t",
    quotes="'\"",
    join=True,
    escapes=False,
    newlines=False,
    line_comments=(),
    block_comment=None,
    punctuation="",
    unterminated="unterminated {quote} quote (truncated or edited download?)",
)
VYOS = Dialect(
    blanks="\\s",  # str.isspace()
    quotes="'\"",
    join=True,
    escapes=False,
    newlines=False,
    line_comments=("#",),
    block_comment=None,
    punctuation="",
    unterminated="unterminated quote",
)
CONFIG_BOOT = Dialect(
    blanks=" \\t\\r\\f\\v",
    quotes='"',
    join=False,
    escapes=True,
    newlines=True,
    line_comments=("#", "//"),
    block_comment=("/*", "*/"),
    punctuation="{}",
    unterminated="unterminated quoted value",
)

Token = tuple[str, int, bool]  # (text, line, quoted); a newline token is ("\n", line, False); line 0: unknown


def _quoted(text: str, i: int, d: Dialect, line: int, source: str | None) -> tuple[str, int]:
    """The value of the quote opening at ``text[i]`` and the index after its closing quote."""
    q = text[i]
    if not d.escapes:
        end = text.find(q, i + 1)
        if end < 0:
            raise ParseError(d.unterminated.format(quote=q), source=source, line=line or None)
        return text[i + 1 : end], end + 1
    j, n, buf = i + 1, len(text), []
    while j < n and text[j] != q:
        if text[j] == "\\" and j + 1 < n:
            j += 1
        if d.newlines and text[j] == "\n":
            raise ParseError(d.unterminated.format(quote=q), source=source, line=line or None)
        buf.append(text[j])
        j += 1
    if j >= n:
        raise ParseError(d.unterminated.format(quote=q), source=source, line=line or None)
    return "".join(buf), j + 1


def _comment_end(text: str, i: int, d: Dialect, line: int, source: str | None) -> tuple[int, int] | None:
    """(index after the comment starting at ``i``, newlines inside it), or None: no comment there."""
    if d.block_comment is not None and text.startswith(d.block_comment[0], i):
        end = text.find(d.block_comment[1], i + len(d.block_comment[0]))
        if end < 0:
            raise ParseError(f"unterminated {d.block_comment[0]} comment", source=source, line=line or None)
        return end + len(d.block_comment[1]), text.count("\n", i, end)
    if text.startswith(d.line_comments, i):
        end = text.find("\n", i) if d.newlines else -1
        return (len(text) if end < 0 else end), 0
    return None


def scan(text: str, d: Dialect, *, line: int = 1, source: str | None = None) -> list[Token]:
    """The tokens of ``text`` (one command line, or a whole config.boot for :data:`CONFIG_BOOT`)."""
    out: list[Token] = []
    parts: list[str] | None = None  # the word being read (join dialects: until the next blank)
    quoted = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if d.newlines and ch == "\n":
            out.append(("\n", line, False))
            line += 1
            i += 1
            continue
        m = d.blank_re.match(text, i)
        if m:
            if parts is not None:
                out.append(("".join(parts), line, quoted))
                parts, quoted = None, False
            i = m.end()
            continue
        if parts is None:
            comment = _comment_end(text, i, d, line, source)
            if comment is not None:
                i = comment[0]
                line += comment[1]
                continue
        if ch in d.punctuation:
            out.append((ch, line, False))
            i += 1
            continue
        if ch in d.quotes:
            value, i = _quoted(text, i, d, line, source)
            is_quoted = True
        else:
            m = d.word_re.match(text, i)
            assert m is not None
            value, i, is_quoted = m.group(), m.end(), False
        if not d.join:
            out.append((value, line, is_quoted))
        elif parts is None:
            parts, quoted = [value], is_quoted
        else:
            parts.append(value)
            quoted = quoted or is_quoted
    if parts is not None:
        out.append(("".join(parts), line, quoted))
    return out


def words(line: str, d: Dialect, lineno: int | None = None) -> list[str]:
    """The words of one command line."""
    return [t[0] for t in scan(line, d, line=lineno or 0)]
