"""Which server and which key: flags, then the environment, then the profile.

`ROMA_BASE_URL` and `ROMA_API_KEY` (the API docs' own names) override the profile; `--url`
overrides both. The result says where the key came from, never what it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .config import Config, Profile, ProfileNotFound
from .keystore import KeyringUnavailable, read_key

ENV_KEY = "ROMA_API_KEY"
ENV_URL = "ROMA_BASE_URL"


@dataclass(frozen=True)
class Connection:
    profile: Profile
    base_url: str
    api_key: str | None = field(repr=False)
    key_source: str  # "ROMA_API_KEY", "keyring" or "none"
    url_source: str  # "--url", "ROMA_BASE_URL" or "profile <name>"
    key_problem: str | None = None  # why no key could be read, for the user

    def describe(self) -> str:
        return f"{self.base_url} (key from {self.key_source}; URL from {self.url_source})"


def select_profile(config: Config, profile_name: str | None = None) -> Profile:
    """The profile to use: `profile_name`, else the file's active one, else the only one, else
    the default profile (hosted URL). A name that is asked for but not in the config raises
    ProfileNotFound, rather than quietly using the default URL."""
    known = sorted(config.profiles)
    listing = f"the profiles in {config.path} are: {', '.join(known)}" if known else ""
    if profile_name is not None:
        if profile_name in config.profiles:
            return config.profiles[profile_name]
        if profile_name == "default" and not known:
            return Profile(name="default")  # no config yet: the default profile
        where = listing or f"there are no profiles in {config.path} yet"
        raise ProfileNotFound(
            f"There is no profile named {profile_name[:64]!r}; {where}. Create it with "
            f"`roma-tui login --profile {profile_name[:64]}`, or use one that exists.",
            name=profile_name,
            known=known,
            path=config.path,
        )
    active = config.active_profile
    if active is not None and active not in config.profiles:
        where = listing or "it has no profiles"
        raise ProfileNotFound(
            f"{config.path} sets active_profile = {active[:64]!r}, but there is no such "
            f"profile ({where}). Fix active_profile in that file, or pass --profile NAME.",
            name=active,
            known=known,
            path=config.path,
        )
    return config.profile() or Profile(name="default")


def resolve_connection(
    config: Config,
    *,
    profile_name: str | None = None,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    read_stored_key: Callable[[str], str | None] = read_key,
) -> Connection:
    """Raises ProfileNotFound (a ConfigError) for a profile name the config does not have."""
    env = os.environ if env is None else env
    profile = select_profile(config, profile_name)
    known = profile.name in config.profiles
    url_source = f"profile {profile.name}" if known else "the default URL"

    base_url = profile.base_url
    if env.get(ENV_URL):
        base_url, url_source = env[ENV_URL], ENV_URL
    if url:
        base_url, url_source = url, "--url"

    key_problem = None
    if env.get(ENV_KEY):
        return Connection(profile, base_url, env[ENV_KEY], ENV_KEY, url_source)
    try:
        stored = read_stored_key(profile.name)
    except KeyringUnavailable as exc:
        stored, key_problem = None, str(exc)
    if stored:
        return Connection(profile, base_url, stored, "keyring", url_source)
    if key_problem is None:
        key_problem = (
            f"No API key for profile {profile.name!r}: run `roma-tui login --profile "
            f"{profile.name}` or set {ENV_KEY}."
        )
    return Connection(profile, base_url, None, "none", url_source, key_problem)
