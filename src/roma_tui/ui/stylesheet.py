"""Textual's stylesheet, with parsed rules kept for the whole process.

Each app parses every style sheet it uses (the app's, each widget's DEFAULT_CSS) on its own.
One process starts the console once; the test suite starts it ~150 times, and parsing the same
text with the same theme variables was ~10 % of each start's CPU. Parsed rules are only read
after parsing, so apps can share them; the key holds the theme's variables (a theme changes
what `$primary` parses to).
"""

from __future__ import annotations

from typing import ClassVar

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

SHARED_MAX = 512  # distinct (variables, source) pairs kept; far more than the app uses


class SharedRulesStylesheet(Stylesheet):
    _shared: ClassVar[dict[tuple[object, ...], list[RuleSet]]] = {}

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._variables_key = _key_of(self._variables)

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._variables_key = _key_of(variables)

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = (self._variables_key, css, read_from, is_default_rules, tie_breaker, scope)
        rules = self._shared.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if len(self._shared) >= SHARED_MAX:
                self._shared.clear()
            self._shared[key] = rules
        return rules


def _key_of(variables: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(variables.items()))
