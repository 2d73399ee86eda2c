"""Hypothesis throws arbitrary requests at the sandbox: it answers, never with a 5xx."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import KEY

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
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
        "metadata": st.dictionaries(st.text(max_size=60), st.text(max_size=600), max_size=12)
        | json_values,
    },
)
query_values = st.text(max_size=25) | st.integers(-(10**13), 10**13).map(str)
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


@settings(max_examples=120, deadline=None, suppress_health_check=FIXTURE_OK)
@given(body=create_bodies)
def test_create_bodies(fuzz_server, body):
    check(fuzz_server.post("/api/v1/executions", content=json.dumps(body)))


@settings(max_examples=120, deadline=None, suppress_health_check=FIXTURE_OK)
@given(query=queries)
def test_list_queries(fuzz_server, query):
    check(fuzz_server.get("/api/v1/executions", params=query))


@settings(max_examples=80, deadline=None, suppress_health_check=FIXTURE_OK)
@given(execution_id=ids, suffix=st.sampled_from(["", "/status", "/dag", "/cancel"]))
def test_paths(fuzz_server, execution_id, suffix):
    from urllib.parse import quote

    path = f"/api/v1/executions/{quote(execution_id, safe='')}{suffix}"
    method = "POST" if suffix == "/cancel" else "GET"
    check(fuzz_server.request(method, path))
