"""Text from the server is data: make it inert before it reaches a terminal.

Goals, results, node outputs and error messages may carry ANSI escape sequences, other control
characters or megabytes of text. These helpers remove escape sequences, turn the remaining control
characters into visible symbols, and shorten text for one-line display. Rich markup is a separate
concern: the UI passes cleaned text to Rich as `Text`, never as a markup string.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), the other ESC sequences (ESC c,
# ESC ( B, ...), and the 8-bit CSI/OSC introducers (0x9b, 0x9d).
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates can make text display in another order than it is
# stored (a "Trojan Source" trick): shown as a visible mark instead.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_WHITESPACE_RUN = re.compile(r"\s+")

ELLIPSIS = "…"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures" block: ␀ ␁ ... ␛
    if code == 0x7F:
        return "␡"
    return "\ufffd"


def clean(text: object) -> str:
    """Return `text` as a string with escape sequences removed and controls made visible.

    Newlines and tabs are kept (a multi-line viewer wants them); everything else below 0x20, DEL
    and the C1 range become visible symbols.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = text.replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _BIDI.sub("\ufffd", text)
    return _CONTROL.sub(_visible, text)


def one_line(text: object, max_len: int = 80) -> str:
    """Clean `text`, fold all whitespace to single spaces and cut it to `max_len` characters."""
    if max_len < 1:
        return ""
    if isinstance(text, str) and len(text) > max_len * 8:
        text = text[: max_len * 8]  # no need to clean megabytes to show one line
    flat = _WHITESPACE_RUN.sub(" ", clean(text)).strip()
    if len(flat) > max_len:
        return flat[: max_len - 1] + ELLIPSIS
    return flat


def shorten(text: object, max_chars: int) -> tuple[str, bool]:
    """Clean `text` keeping its lines, cut to `max_chars`; say whether it was cut."""
    raw = "" if text is None else (text if isinstance(text, str) else str(text))
    cut = len(raw) > max_chars
    if cut:
        raw = raw[:max_chars]
    return clean(raw), cut
