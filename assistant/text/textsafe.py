"""User text on its way out: to a terminal, to a Textual widget, into an exported file.

User text is data. Three rules, each written once here:
- `visible(text)`: terminal control (C0 except newline and tab, DEL, C1) and bidirectional
  overrides are shown as `\\uXXXX`, never sent raw (an ESC sequence in a session title must not
  recolour or rewrite the person's terminal; U+202E must not reverse what follows). The escape is
  JSON's own, so inside JSON output it still decodes to the exact character.
- `plain(text)`: a rich Text for Textual widgets (never parsed as markup) with the same escapes.
- `strip_bidi(text)`: exported documents drop the bidi overrides (a previewer would obey them).

`cli_streams()` applies `visible` to everything the non-interactive commands print, and makes
stdout/stderr survive a stream that cannot encode a character (GBK on Chinese Windows): common
symbols become GBK look-alikes (✓→√), anything else becomes "?", never an exception.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from rich.text import Text

# C0 controls except \t and \n, DEL, C1 controls, and the bidi embeddings/overrides/isolates.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = pattern("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI + "]")
_BIDI = pattern("[" + BIDI + "]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def visible(text: Any) -> str:
    """`text` as a string that is safe to print: control and bidi characters shown as \\uXXXX."""
    s = text if isinstance(text, str) else str(text)
    return _CONTROL.sub(_escape, s)


def one_line(text: Any) -> str:
    """visible() for a one-line place (a table cell, a title): a newline is shown as \\n."""
    return visible(text).replace("\n", "\\n").replace("\t", " ")


def plain(text: Any, style: str = "") -> Text:
    """User text for a Textual widget: a Text (never read as markup) with control characters visible."""
    from rich.text import Text

    return Text(visible(text), style=style, end="")


def strip_bidi(text: str) -> str:
    """Exported text without bidi overrides (they reorder what a reader sees, e.g. 'exe.txt')."""
    return _BIDI.sub("", text)


# -- streams that cannot encode everything (GBK) ------------------------------------------------
# Each replacement is itself in GBK (tests/test_gbk_output.py checks them).
GLYPHS = {
    "\u2713": "√", "\u2714": "√", "\u2717": "×", "\u2718": "×", "\u2611": "■", "\u2612": "■",
    "\u2610": "□", "\u26a0": "!", "\u2022": "·", "\u25b6": ">", "\u25b8": ">", "\u25be": "v",
    "\u21ea": "↑", "\u00a0": " ", "\u23ce": "↙",
}
ERRORS = "filing-glyphs"


def _glyphs(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    out = []
    for ch in bad:
        sub = GLYPHS.get(ch, "?")
        try:
            sub.encode(exc.encoding)
        except (UnicodeEncodeError, LookupError):
            sub = "?"
        out.append(sub)
    return "".join(out), exc.end


codecs.register_error(ERRORS, _glyphs)


def tolerant(stream: Any) -> None:
    """Let `stream` replace what its encoding cannot hold instead of raising (UTF-8 streams: no change)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        utf = codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        utf = False
    if not utf and hasattr(stream, "reconfigure"):
        with contextlib.suppress(ValueError, OSError):  # a closed or detached stream: leave it as it is
            stream.reconfigure(errors=ERRORS)


class VisibleStream:
    """A text stream that writes visible(text): nothing printed through it can control the terminal."""

    def __init__(self, raw: TextIO):
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(visible(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, fileno, buffer ...
        return getattr(self.raw, name)


def raw_stream(stream: Any) -> Any:
    """The stream beneath a VisibleStream (rich draws its own styles: give it this, and visible() text)."""
    return stream.raw if isinstance(stream, VisibleStream) else stream


@contextmanager
def cli_streams(*, filter_controls: bool = True) -> Iterator[None]:
    """stdout/stderr for a command: tolerant of the encoding, and (unless the command draws an
    interactive prompt itself) showing control characters instead of sending them."""
    out, err = sys.stdout, sys.stderr
    tolerant(out)
    tolerant(err)
    if filter_controls:
        sys.stdout, sys.stderr = VisibleStream(out), VisibleStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
