"""Profiles in TOML, the key in the keyring, and the environment over both."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest

from roma_tui.settings import (
    ConfigError,
    KeyringUnavailable,
    Profile,
    config_path,
    delete_key,
    load_config,
    read_key,
    resolve_connection,
    save_profile,
    set_preference,
    store_key,
)


def test_profiles_round_trip_and_keep_the_users_comments():
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        '# my settings, keep this\nactive_profile = "work"\n\n'
        '[profiles.work]\n# the hosted one\nbase_url = "https://api.izieroma.xyz"\n'
    )
    save_profile(
        Profile(
            name="local",
            base_url="http://127.0.0.1:8765",
            dialect="upstream",
            poll_interval=5,
            read_only=True,
        )
    )
    set_preference("work", "theme", "roma-light")
    text = path.read_text()
    assert "# my settings, keep this" in text and "# the hosted one" in text
    config = load_config()
    assert config.active_profile == "work"
    assert config.profiles["local"].read_only is True
    assert config.profiles["local"].dialect == "upstream"
    assert config.profiles["work"].theme == "roma-light"


def test_a_corrupt_file_names_its_line_and_is_never_overwritten():
    path = config_path()
    path.parent.mkdir(parents=True)
    broken = 'active_profile = "a"\n[profiles.a]\nbase_url = https://no-quotes\n'
    path.write_text(broken)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(path) in str(caught.value) and "line 3" in str(caught.value)
    with pytest.raises(ConfigError):
        save_profile(Profile(name="b"))
    assert path.read_text() == broken


def test_a_wrong_type_names_the_setting_and_line():
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[profiles.a]\nbase_url = "https://x"\npoll_interval = "fast"\n')
    with pytest.raises(ConfigError, match=r"line 3: poll_interval of profile 'a' must be"):
        load_config()


def test_keys_live_in_the_keyring_under_the_profile_name(memory_keyring):
    store_key("work", "sk_live_abc")
    assert memory_keyring.store == {("roma-tui", "work"): "sk_live_abc"}
    assert read_key("work") == "sk_live_abc"
    assert delete_key("work") is True and read_key("work") is None
    assert delete_key("work") is False


def test_no_keyring_backend_is_explained_and_points_to_the_env_var():
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(KeyringUnavailable, match="ROMA_API_KEY"):
        read_key("work")
    with pytest.raises(KeyringUnavailable, match="ROMA_API_KEY"):
        store_key("work", "sk_live_abc")


def test_a_plaintext_backend_is_refused_for_writing(memory_keyring, monkeypatch):
    monkeypatch.setattr(
        "roma_tui.settings.keystore.backend_name", lambda: "keyrings.alt.file.PlaintextKeyring"
    )
    with pytest.raises(KeyringUnavailable, match="would not keep it safely"):
        store_key("work", "sk_live_abc")
    assert memory_keyring.store == {}


def test_environment_overrides_the_profile_and_the_source_is_named(memory_keyring):
    save_profile(Profile(name="work", base_url="https://a.example"))
    store_key("work", "from-keyring")
    config = load_config()
    plain = resolve_connection(config, env={})
    assert (plain.base_url, plain.api_key, plain.key_source) == (
        "https://a.example",
        "from-keyring",
        "keyring",
    )
    env = {"ROMA_API_KEY": "from-env", "ROMA_BASE_URL": "https://b.example"}
    over = resolve_connection(config, env=env)
    assert (over.base_url, over.api_key, over.key_source) == (
        "https://b.example",
        "from-env",
        "ROMA_API_KEY",
    )
    flag = resolve_connection(config, url="http://127.0.0.1:1", env=env)
    assert flag.base_url == "http://127.0.0.1:1" and flag.url_source == "--url"
    assert "from-env" not in repr(over) and "from-keyring" not in repr(plain)


def test_without_a_keyring_the_connection_says_why_there_is_no_key():
    keyring.set_keyring(keyring.backends.fail.Keyring())
    connection = resolve_connection(load_config(), env={})
    assert connection.api_key is None and "ROMA_API_KEY" in connection.key_problem


def test_an_unusable_profile_name_is_named_with_its_line():
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[profiles."[bold]x"]\nbase_url = "https://x"\n')
    with pytest.raises(ConfigError, match=r"line 1: '\[bold\]x' is not a usable profile name"):
        load_config()
