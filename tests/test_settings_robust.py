"""Settings under broken files, failing disks and locked keyrings: clear errors, never tracebacks.

The tests run as root, where a chmod'ed directory does not stop a write: failures are made with
a path that is a file where a directory belongs, or with os.replace refusing (as an immutable
file does).
"""

from __future__ import annotations

import logging
import os
import stat
import threading

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from conftest import LockedKeyring
from roma_tui.logsetup import PrivateRotatingFileHandler, setup_logging
from roma_tui.settings import (
    ConfigError,
    KeyringLocked,
    KeyringUnavailable,
    Profile,
    ProfileNotFound,
    config_path,
    load_config,
    read_key,
    read_key_with_timeout,
    resolve_connection,
    save_profile,
    select_profile,
    set_preference,
    store_key,
)
from roma_tui.settings.keystore import KeyringTimeout


def _write_config(text: str) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# -- writes that fail ---------------------------------------------------------------------------


def test_a_refused_write_is_a_config_error_and_leaves_the_file_as_it_was(monkeypatch):
    save_profile(Profile(name="work", base_url="https://a.example"))
    before = config_path().read_text()

    def refuse(src, dst):
        raise PermissionError(1, "Operation not permitted", str(dst))

    monkeypatch.setattr("roma_tui.settings.config.os.replace", refuse)
    with pytest.raises(ConfigError) as caught:
        set_preference("work", "theme", "roma-light")  # what a theme change in the console does
    message = str(caught.value)
    assert message.startswith(f"Cannot write {config_path()}: Operation not permitted.")
    assert "Nothing was changed" in message
    assert config_path().read_text() == before
    assert [p.name for p in config_path().parent.iterdir()] == ["config.toml"]  # no temp file


def test_a_full_disk_is_a_config_error(monkeypatch):
    def full(**kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("roma_tui.settings.config.tempfile.mkstemp", full)
    with pytest.raises(ConfigError, match=r"^Cannot write .*: No space left on device\."):
        save_profile(Profile(name="work"))


def test_a_file_where_the_config_dir_belongs_is_a_config_error(isolated_home):
    (isolated_home / "config").write_text("a file where the config dir belongs")
    with pytest.raises(ConfigError, match="Not a directory"):
        save_profile(Profile(name="work"))


def test_a_config_path_that_is_a_directory_is_a_config_error():
    config_path().mkdir(parents=True)
    with pytest.raises(ConfigError, match="Cannot read"):
        load_config()
    with pytest.raises(ConfigError, match="Cannot read"):
        save_profile(Profile(name="work"))


@pytest.mark.parametrize("nested", ["[" * 5000 + "]" * 5000, "{b = " * 5000 + "1" + "}" * 5000])
def test_a_file_nested_thousands_deep_is_a_config_error(nested):
    _write_config(f"a = {nested}\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config()
    with pytest.raises(ConfigError, match="nested too deeply"):
        save_profile(Profile(name="work"))  # and it is never overwritten


# -- profiles that do not exist -----------------------------------------------------------------


def test_a_profile_asked_for_by_name_must_exist():
    save_profile(Profile(name="work", base_url="https://a.example"))
    save_profile(Profile(name="home", base_url="https://b.example"))
    config = load_config()
    with pytest.raises(ProfileNotFound) as caught:
        resolve_connection(config, profile_name="nope", env={})
    assert caught.value.name == "nope" and caught.value.known == ["home", "work"]
    assert str(caught.value) == (
        f"There is no profile named 'nope'; the profiles in {config.path} are: home, work. "
        "Create it with `roma-tui login --profile nope`, or use one that exists."
    )
    assert isinstance(caught.value, ConfigError)
    assert select_profile(config, "home").base_url == "https://b.example"


def test_an_active_profile_that_does_not_exist_is_named_with_the_file():
    _write_config('active_profile = "nope"\n[profiles.work]\nbase_url = "https://a.example"\n')
    config = load_config()
    with pytest.raises(ProfileNotFound, match=r"sets active_profile = 'nope'.*: work\)"):
        resolve_connection(config, env={})
    # An explicit, existing profile still works.
    assert resolve_connection(config, profile_name="work", env={}).base_url == "https://a.example"


def test_without_any_config_the_default_profile_is_used():
    config = load_config()
    assert select_profile(config).name == "default"
    assert select_profile(config, "default").name == "default"
    with pytest.raises(ProfileNotFound, match="no profiles in"):
        select_profile(config, "nope")


# -- the keyring ----------------------------------------------------------------------------------


class StuckKeyring(KeyringBackend):
    """Waits like a keyring behind a desktop unlock prompt, until the test lets it go."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service, username):
        self.release.wait(10)
        return "late"

    def set_password(self, service, username, password):
        raise NotImplementedError

    def delete_password(self, service, username):
        raise NotImplementedError


def test_a_locked_keyring_says_so_and_how_to_unlock_it():
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringLocked) as caught:
        read_key("work")
    message = str(caught.value)
    assert message.startswith("The OS keyring is locked. Unlock it")
    assert "gnome-keyring-daemon --unlock" in message and "ROMA_API_KEY" in message
    with pytest.raises(KeyringLocked):
        store_key("work", "sk_live_abc")
    connection = resolve_connection(load_config(), env={})
    assert connection.api_key is None and connection.key_problem == message


def test_a_keyring_read_can_be_bounded_in_time(memory_keyring):
    store_key("work", "sk_live_abc")
    assert read_key_with_timeout("work", 5) == "sk_live_abc"
    assert read_key_with_timeout("nobody", 5) is None
    stuck = StuckKeyring()
    keyring.set_keyring(stuck)
    try:
        with pytest.raises(KeyringTimeout, match=r"did not answer within 0\.2 s") as caught:
            read_key_with_timeout("work", 0.2)
        assert isinstance(caught.value, KeyringUnavailable)
    finally:
        stuck.release.set()
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringLocked):
        read_key_with_timeout("work", 5)


# -- the log file ---------------------------------------------------------------------------------


@pytest.fixture
def logging_set_up():
    yield setup_logging
    for name in ("roma_tui", "httpx"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, PrivateRotatingFileHandler):
                logger.removeHandler(handler)
                handler.close()
        logger.propagate = True


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_log_file_is_private_to_its_owner_even_after_rotation(logging_set_up):
    old_umask = os.umask(0o022)
    try:
        path = logging_set_up()
    finally:
        os.umask(old_umask)
    assert path is not None and _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    handler = next(
        h
        for h in logging.getLogger("roma_tui").handlers
        if isinstance(h, PrivateRotatingFileHandler)
    )
    logging.getLogger("roma_tui").info("a line")
    handler.doRollover()
    assert _mode(path) == 0o600 and _mode(path.with_name(path.name + ".1")) == 0o600


def test_a_log_file_left_world_readable_is_made_private(logging_set_up, isolated_home):
    from roma_tui.settings import log_dir

    log_dir().mkdir(parents=True)
    path = log_dir() / "roma-tui.log"
    path.write_text("from an older version\n")
    path.chmod(0o644)
    assert logging_set_up() == path
    assert _mode(path) == 0o600
