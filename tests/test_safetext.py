"""Server text is made inert before any terminal sees it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from roma_tui.safetext import clean, one_line, shorten


def test_escape_sequences_are_removed():
    assert clean("\x1b[31mred\x1b[0m") == "red"
    assert clean("\x1b]8;;https://evil.example\x07link\x1b]8;;\x07") == "link"  # OSC 8
    assert clean("\x1b]0;new window title\x1b\\after") == "after"
    assert clean("a\x9b2Jb") == "ab"  # 8-bit CSI: clear screen
    assert clean("\x1bcreset") == "reset"


def test_other_controls_become_visible():
    assert clean("a\x00b\x07c\x08d") == "a␀b␇c␈d"
    assert clean("tab\tand\nnewline stay") == "tab\tand\nnewline stay"
    assert clean("carriage\rreturn") == "carriage␍return"


def test_bidirectional_overrides_are_neutralised():
    trojan = "access = \u202e}nimda{\u2066 granted"
    assert "\u202e" not in clean(trojan) and "\u2066" not in clean(trojan)


def test_markup_is_left_as_text_for_rich_text_to_show():
    assert clean("[bold]x[/bold] [link=x]y[/link]") == "[bold]x[/bold] [link=x]y[/link]"


def test_one_line_and_shorten():
    assert one_line("a\n\n b\tc", 80) == "a b c"
    assert one_line("x" * 100, 10) == "x" * 9 + "…"
    big = "y" * 200_000
    shown, cut = shorten(big, 20_000)
    assert cut and len(shown) == 20_000


@given(st.text())
def test_clean_never_lets_an_escape_or_control_through(text):
    out = clean(text)
    assert "\x1b" not in out and "\x9b" not in out
    assert all(ch in "\t\n" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in out)


def test_a_status_word_from_the_server_is_cleaned_in_labels():
    from roma_tui.presentation import status_label

    label = status_label("unknown", "\x1b[2JPAUSED\x07")
    assert label == "? unknown (PAUSED␇)"
