"""The Textual app: themes, the connect flow, profile switching and the command palette.

The app holds no API state of its own: each profile's session lives in its MainScreen, which
the app replaces to switch profile.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import rich
from rich.color import Color, ColorParseError
from rich.segment import Segments
from rich.text import Text
from rich.traceback import Traceback
from textual.app import App, SystemCommand
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen

from .. import startup_gc
from ..api import RomaError, check_base_url
from ..api.client import preload_tls
from ..monitor.session import Session
from ..settings import (
    ConfigError,
    Connection,
    load_config,
    resolve_connection,
    set_preference,
)
from .help import COMMAND_PALETTE
from .main_screen import MainScreen
from .palette import ExecutionsProvider, ViewsProvider
from .stylesheet import SharedRulesStylesheet
from .themes import STATUS_DEFAULTS, load_themes

if TYPE_CHECKING:
    from .connect import Connected, ConnectScreen

log = logging.getLogger(__name__)
CANNOT_START = 2  # exit code when the session cannot be set up: the CLI's usage error


class RomaApp(App[None]):
    TITLE = "roma-tui"
    # Absolute: Textual reads a relative CSS_PATH beside the module of a subclass.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    BINDINGS = [COMMAND_PALETTE]
    COMMANDS = App.COMMANDS | {ExecutionsProvider, ViewsProvider}

    def __init__(
        self,
        connection: Connection | None,
        *,
        read_only: bool = False,
        ascii: bool = False,
        remember_choices: bool = True,
        connect_profile: str = "default",
        connect_url: str | None = None,
        read_connection: Callable[[], Connection] | None = None,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock  # one clock for the planner and every "ago" and duration shown
        self.transport = transport  # tests and snapshots answer from fixed data
        self.connection = connection
        self.force_read_only = read_only
        self.ascii = ascii
        self.remember_choices = remember_choices  # the demo leaves the user's config alone
        self.connect_profile, self.connect_url = connect_profile, connect_url
        # Reads the key from the OS keyring: may block for seconds (a desktop unlock prompt),
        # so it runs in a thread while the connect screen says what it waits for.
        self.read_connection = read_connection
        self.main_screen: MainScreen | None = None
        self.connect_screen: ConnectScreen | None = None
        self.palette: dict[str, str] = dict(STATUS_DEFAULTS)
        self.keymap: dict[str, str] = {}  # the user's keys that apply (the help shows them)
        self.pane_layout = PaneLayout()  # kept across profile switches, for the session
        themes, self._theme_problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        wanted = connection.profile.theme if connection is not None else "roma-dark"
        self.stylesheet = SharedRulesStylesheet()  # nothing is in it yet; variables come next
        self._start_in_theme(self._theme_for(wanted) or self.theme)

    def _theme_for(self, wanted: str) -> str | None:
        """`wanted` if it is a theme of ours, else roma-dark; None when neither is."""
        return next((name for name in (wanted, "roma-dark") if name in self.available_themes), None)

    def _start_in_theme(self, name: str) -> None:
        """Start in this theme, before any style is parsed.

        Setting `theme` runs Textual's watcher, which re-parses every style sheet and re-applies
        every style on the first frame (a second full CSS pass: ~15 % of a start's CPU). Nothing
        is parsed yet here, so what the watcher does is done directly, less the re-parse
        (as `App._watch_theme` does it in Textual 8.2; a snapshot and a theme test cover it).
        """
        self.set_reactive(App.theme, name)
        dark = self.current_theme.dark
        self.set_class(True, f"-theme-{name}", update=False)
        self.set_class(dark, "-dark-mode", update=False)
        self.set_class(not dark, "-light-mode", update=False)
        self.stylesheet.set_variables(self.get_css_variables())
        self._refresh_truecolor_filter(self.ansi_theme)
        self.palette = self._safe_palette()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts carry goals and server messages: plain text unless a caller says otherwise."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    async def run_action(
        self,
        action: Any,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        # Keys typed in the same burst as `q` arrive after exit(): opening a screen then would
        # query widgets that are being torn down.
        if self._exit:
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit (Textual's own notice is markup, and toasts here are text)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit roma-tui.", title="Do you want to quit?")
                return

    # -- themes --------------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(STATUS_DEFAULTS)

    def _say_theme_problems(self) -> None:
        for problem in self._theme_problems:
            self.notify(problem, severity="warning", timeout=8)

    def watch_theme(self, theme: str) -> None:
        # Before `theme_changed_signal` arrives: screens repaint with this palette then.
        self.palette = self._safe_palette()
        main = self.main_screen
        if main is not None and main.is_mounted and self.remember_choices:
            try:
                set_preference(main.session.connection.profile.name, "theme", theme)
            except ConfigError as exc:
                self.notify(str(exc), severity="warning")

    def _safe_palette(self) -> dict[str, str]:
        """Theme colours Rich can use (a theme file may hold anything)."""
        variables = {**STATUS_DEFAULTS, **self.current_theme.variables}
        for name in ("success", "warning", "error"):
            value = getattr(self.current_theme, name, None)
            if value:
                variables[name] = value
        safe = {}
        for name, value in variables.items():
            try:
                Color.parse(value)
            except ColorParseError:
                continue
            safe[name] = value
        return safe

    # -- start-up and sessions -----------------------------------------------------------------

    def _load_keymap(self) -> None:
        """Apply config.toml's `[keymap]`; each entry that cannot be used is said, and skipped."""
        try:
            config = load_config()
        except ConfigError as exc:  # said where the config is used; the keys stay the defaults
            log.warning("keymap not read: %s", exc)
            return
        if not config.keymap and not config.keymap_problems:
            return  # nothing to check (the usual case): the screens' bindings stay unread
        from .keys import binding_ids, check_keymap, keyed

        known = binding_ids(self.BINDINGS, *(cls.BINDINGS for cls in keyed()))
        self.keymap, problems = check_keymap(config.keymap, known, str(config.path))
        for problem in config.keymap_problems + problems:
            log.warning("%s", problem)
            self.notify(problem, title="Keymap", severity="warning", timeout=10)
        if self.keymap:
            self.set_keymap(self.keymap)

    def _fatal_error(self) -> None:
        """Textual's crash report (textual 8.2.8's own, as it is), but without the values of
        local variables it would print: a frame of the client holds the API key, which never
        shows on screen, in a log or in an exception."""
        self.bell()
        report = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(report, self.console.options)))
        self._close_messages_no_wait()

    def on_mount(self) -> None:
        self.set_timer(startup_gc.RESUME_AFTER, startup_gc.resume)
        self._say_theme_problems()
        self._load_keymap()
        if self.connection is not None:
            self.start(self.connection)
            return
        note = ""
        if self.read_connection is not None:
            note = (
                f"Waiting for the OS keyring to give the key of profile {self.connect_profile} "
                "(it may be asking to be unlocked). Type the key below to use it now, or quit "
                "(ctrl+q) and set ROMA_API_KEY."
            )
            self.in_thread(self.read_connection, self._keyring_answered)
        from .connect import ConnectScreen

        screen = ConnectScreen(self.connect_profile, self.connect_url, note=note)
        self.connect_screen = screen
        self.push_screen(screen, self._connected)

    def in_thread(
        self, work: Callable[[], Connection], done: Callable[[Connection | Exception], None]
    ) -> None:
        """Run `work` in a daemon thread (a keyring read may never return: it must not keep the
        app from quitting), then `done` with its result on the UI thread."""

        def run() -> None:
            result: Connection | Exception
            try:
                result = work()
            except Exception as exc:  # handed to `done`, which says it
                result = exc
            with contextlib.suppress(RuntimeError):  # the app has quit meanwhile
                self.call_from_thread(done, result)

        threading.Thread(target=run, name="roma-tui keyring", daemon=True).start()

    def _keyring_answered(self, result: Connection | Exception) -> None:
        screen = self.connect_screen
        if screen is None or self.main_screen is not None:
            return  # the user connected by hand meanwhile
        if not screen.is_mounted:  # a keyring that answers at once: the screen is on its way
            self.set_timer(0.05, lambda: self._keyring_answered(result))
            return
        if isinstance(result, Exception):
            screen.explain(f"{result} Type the key below, or set ROMA_API_KEY.")
            return
        if result.api_key is None:
            screen.explain(f"{result.key_problem or 'No API key.'} Type the key below.")
            return
        problem = url_problem(result)
        if problem:
            screen.explain(problem)
            return
        from .connect import Connected

        screen.dismiss(Connected(result, f"Key of profile {result.profile.name} from the keyring."))

    def _connected(self, result: Connected | None) -> None:
        self.connect_screen = None
        if result is not None:
            self.notify(result.note, timeout=8)
            self.start(result.connection)

    def start(self, connection: Connection) -> None:
        try:
            session = Session.open(connection, clock=self.clock, transport=self.transport)
        except RomaError as exc:  # e.g. a proxy variable httpx cannot use
            if self.main_screen is None:
                self.exit(return_code=CANNOT_START, message=Text(f"error: {exc}"))
            else:  # a profile switch: the session on screen stays, in its own theme
                self.notify(str(exc), title="Profile not switched", severity="error", timeout=15)
            return
        self.connection = connection
        profile = connection.profile
        theme = self._theme_for(profile.theme)
        if theme is not None and self.theme != theme:  # the same again re-applies every style
            self.theme = theme
        self.palette = self._safe_palette()
        reason = (
            "--read-only"
            if self.force_read_only
            else f"profile {profile.name}"
            if profile.read_only
            else None
        )
        screen = MainScreen(
            session,
            read_only=reason is not None,
            ascii=self.ascii,
            bell=profile.bell,
            read_only_reason=reason,
        )
        previous = self.main_screen
        self.main_screen = screen
        if previous is None:
            self.push_screen(screen)
        else:
            self.switch_screen(screen)
        if connection.key_problem and connection.api_key is None:
            self.notify(connection.key_problem, severity="warning", timeout=10)

    def switch_profile(self, name: str) -> None:
        """Read the profile's key off the UI thread (the keyring may block), then switch."""
        self.notify(f"Profile {name}: reading its key…", timeout=3)

        def read() -> Connection:
            connection = resolve_connection(load_config(), profile_name=name)
            preload_tls(connection.base_url)  # here, not on the UI thread with the client
            return connection

        self.in_thread(read, self._profile_read)

    def _profile_read(self, result: Connection | Exception) -> None:
        if isinstance(result, Exception):
            self.notify(str(result), title="Profile not switched", severity="error")
            return
        problem = url_problem(result)
        if problem:
            self.notify(problem, title="Profile not switched", severity="error")
            return
        self.start(result)
        self.notify(f"Profile {result.profile.name}: {result.describe()}")

    def toggle_read_only(self) -> None:
        """The palette's switch; read-only set by --read-only or the profile stays on."""
        main = self.main_screen
        if main is None:
            return
        if main.read_only_reason is not None:
            main.flash(
                f"Read-only stays on: it was set by {main.read_only_reason} "
                "(start without it to create or cancel runs).",
                "warning",
            )
            return
        main.read_only = not main.read_only  # the screen repaints its footer, header and bar
        main.flash(
            "Read-only on: create and cancel are off." if main.read_only else "Read-only off.",
            "notice",
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        if main is None:
            return
        yield SystemCommand(
            "Refresh now", "Fetch the list (and the focused run) now", main.action_refresh
        )
        if main.read_only_reason is None:  # set by --read-only or the profile: no way off
            yield SystemCommand(
                "Toggle read-only", "Turn create and cancel off or on", self.toggle_read_only
            )
        yield SystemCommand(
            "Columns", "Show or hide the table's columns (remembered)", main.action_choose_columns
        )
        yield SystemCommand(
            "Wide mode", "Every column at full width, scrolling sideways", main.action_wide
        )
        yield SystemCommand(
            "Action log", "Cancels and creates sent from this machine", main.action_action_log
        )
        # The keys of the screen the palette was opened from (the DAG screen has its own).
        shown_help = getattr(screen, "action_help", None)
        yield SystemCommand("Help", "Every key", shown_help or main.action_help)
        try:
            profiles = sorted(load_config().profiles)
        except ConfigError:
            profiles = []
        for name in profiles:
            yield SystemCommand(
                f"Switch profile: {name}",
                "Connect with this profile",
                _bind(self.switch_profile, name),
            )


@dataclass
class PaneLayout:
    """The status pane as the keys left it: hidden, and its height in rows (None: the CSS's)."""

    hidden: bool = False
    rows: int | None = None


def url_problem(connection: Connection) -> str | None:
    """Why this connection must not be used (a key over plain http to a remote host), or None."""
    try:
        check_base_url(
            connection.base_url,
            sends_key=connection.api_key is not None,
            allow_insecure=connection.profile.allow_insecure,
        )
    except RomaError as exc:
        return str(exc)
    return None


def _bind(function: Callable[[str], None], value: str) -> Callable[[], None]:
    return lambda: function(value)
