"""The footer of the main and DAG screens: Textual's, rebuilt only when the keys it shows change.

Textual's Footer re-composes on every "bindings updated" signal (focus moves, screens come and
go, a refresh of the bindings), and each new key flips its compact style twice as it mounts,
restyling itself each time. At start-up that is about five rebuilds of the same keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

# Per binding: its key, the key as shown, description, action, whether it works, its tooltip.
Shown = tuple[tuple[str, str, str, str, bool, str], ...]


class KeysFooter(Footer):
    _shown: Shown | None = None  # what the last compose showed

    def _showing(self, screen: Screen[object]) -> Shown:
        """The bindings the footer shows (and the palette's key), as it shows them."""
        display = self.app.get_key_display
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (binding.key, display(binding), binding.description, binding.action, enabled, tip)
            for key, (_node, binding, enabled, tip) in screen.active_bindings.items()
            if binding.show or key == palette
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._showing(self.screen)
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # Bound to the footer's `compact`, which would flip it (and restyle the key)
                # on mount: set now. The palette's key is not bound: it keeps its own.
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        showing = self._showing(screen)
        if showing == self._shown:
            return  # the keys a rebuild would show are already shown, or about to be
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = showing  # Textual rebuilds the footer after the next refresh
