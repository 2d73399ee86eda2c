"""Profiles and preferences (TOML under platformdirs), and the API key in the OS keyring."""

from .config import (
    Config,
    ConfigError,
    Profile,
    ProfileNotFound,
    check_profile_name,
    load_config,
    remove_profile,
    save_profile,
    set_preference,
)
from .connection import ENV_KEY, ENV_URL, Connection, resolve_connection, select_profile
from .keystore import (
    KeyringLocked,
    KeyringUnavailable,
    backend_name,
    delete_key,
    read_key,
    read_key_with_timeout,
    store_key,
)
from .paths import cache_dir, config_dir, config_path, data_dir, log_dir

__all__ = [
    "ENV_KEY",
    "ENV_URL",
    "Config",
    "ConfigError",
    "Connection",
    "KeyringLocked",
    "KeyringUnavailable",
    "Profile",
    "ProfileNotFound",
    "backend_name",
    "cache_dir",
    "check_profile_name",
    "config_dir",
    "config_path",
    "data_dir",
    "delete_key",
    "load_config",
    "log_dir",
    "read_key",
    "read_key_with_timeout",
    "remove_profile",
    "resolve_connection",
    "save_profile",
    "select_profile",
    "set_preference",
    "store_key",
]
