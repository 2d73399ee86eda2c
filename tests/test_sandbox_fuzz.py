"""Hypothesis throws arbitrary requests at the sandbox: it answers, never with a 5xx."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import KEY

# Text with lone surrogates too (JSON escapes them): the sandbox must refuse it, not store it.
texts = st.text(max_size=30) | st.text(
    st.characters(exclude_categories=()), min_size=1, max_size=5
).filter(lambda t: any(0xD800 <= ord(c) <= 0xDFFF for c in t))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=4),
    max_leaves=15,
)
create_bodies = st.fixed_dictionaries(
    {},
    optional={
        "goal": st.text(max_size=50) | json_values,
        "max_depth": st.integers(-5, 15) | json_values,
        "config_profile": st.sampled_from(["general", "fast", "turbo", ""]) | json_values,
        "config_overrides": st.dictionaries(
            st.sampled_from(["temperature", "model", "x"]), json_values, max_size=3
        )
        | json_values,
        "metadata": st.dictionaries(st.text(max_size=60) | texts, texts, max_size=12)
        | st.dictionaries(st.text(max_size=60), st.text(max_size=600), max_size=12)
        | json_values,
    },
)
query_values = (
    st.text(max_size=25)
    | st.integers(-(10**13), 10**13).map(str)
    | st.builds(
        lambda moment, zone: moment.isoformat() + zone,
        st.datetimes(),
        st.sampled_from(["Z", "-01:00", "+01:00"]),
    )
)
queries = st.dictionaries(
    st.sampled_from(
        [
            "limit",
            "offset",
            "status",
            "profile",
            "created_after",
            "created_before",
            "sort",
            "order",
            "other",
        ]
    ),
    query_values,
    max_size=5,
)
FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # one server for the module, on purpose
ids = st.text(max_size=30) | st.from_regex(r"exec_[A-Za-z0-9]{16}", fullmatch=True)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    from roma_tui.sandbox import RunningSandbox, SandboxConfig, SandboxSettings, make_api

    settings_ = SandboxSettings(
        db=tmp_path_factory.mktemp("fuzz") / "fuzz.db",
        api_keys=[KEY],
        rate_limit="1000000/day",
        seed_demo=5,
        engine=SandboxConfig(time_scale=0.01, max_running_per_key=10**6),
    )
    server = RunningSandbox(make_api(settings_))
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as http:
        yield http
    server.stop()


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]["code"]


def still_serving(http: httpx.Client) -> None:
    """A refused request broke nothing: the list (with every stored row) still answers."""
    listed = http.get("/api/v1/executions", params={"limit": 100})
    assert listed.status_code == 200, listed.text


def lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(lone_surrogate(k) or lone_surrogate(v) for k, v in value.items())
    return isinstance(value, list) and any(lone_surrogate(v) for v in value)


JSON = {"Content-Type": "application/json"}
HUGE_NUMBER = "9" * 4301


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_OK)
@given(body=create_bodies)
def test_create_bodies(fuzz_server, body):
    text = json.dumps(body)
    response = fuzz_server.post("/api/v1/executions", content=text, headers=JSON)
    check(response)
    if response.status_code == 202:
        check(fuzz_server.get(f"/api/v1/executions/{response.json()['execution_id']}"))
    # What the server reads: two lone surrogates side by side decode as one pair.
    if lone_surrogate(json.loads(text)):  # one once got stored and broke every later list
        assert response.status_code == 400
        still_serving(fuzz_server)


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE_OK)
@given(body=create_bodies, where=st.sampled_from(["max_depth", "config_overrides", "x"]))
def test_create_bodies_with_numbers_too_long_to_read(fuzz_server, body, where):
    if where == "config_overrides":
        text = json.dumps({**body, where: {"temperature": 0}}).replace(
            '"temperature": 0', f'"temperature": {HUGE_NUMBER}'
        )
    else:
        text = json.dumps({**body, where: 0}).replace(f'"{where}": 0', f'"{where}": {HUGE_NUMBER}')
    response = fuzz_server.post("/api/v1/executions", content=text, headers=JSON)
    assert response.status_code == 400, response.text
    still_serving(fuzz_server)


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_OK)
@given(query=queries)
def test_list_queries(fuzz_server, query):
    check(fuzz_server.get("/api/v1/executions", params=query))


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE_OK)
@given(execution_id=ids, suffix=st.sampled_from(["", "/status", "/dag", "/cancel"]))
def test_paths(fuzz_server, execution_id, suffix):
    from urllib.parse import quote

    path = f"/api/v1/executions/{quote(execution_id, safe='')}{suffix}"
    method = "POST" if suffix == "/cancel" else "GET"
    check(fuzz_server.request(method, path))
