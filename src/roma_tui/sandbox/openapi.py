"""`GET /openapi.json`: the sandbox's API described in OpenAPI 3.1 (the hosted dialect)."""

from __future__ import annotations

from typing import Any

from ..api.validation import OVERRIDE_KEYS, PROFILES, SORT_FIELDS, STATUSES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(c): {
            "description": "Error",
            "content": {"application/json": {"schema": _ref("ErrorBody")}},
        }
        for c in codes
    }


def _ok(code: int, schema: dict[str, Any]) -> dict[str, Any]:
    return {str(code): {"description": "OK", "content": {"application/json": {"schema": schema}}}}


_ID = {
    "name": "execution_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^exec_[A-Za-z0-9]{16}$"},
}
_TS = {"type": "string", "format": "date-time"}
_NULL_TS = {"type": ["string", "null"], "format": "date-time"}


def openapi_document() -> dict[str, Any]:
    schemas = {
        "CreateExecution": {
            "type": "object",
            "required": ["goal"],
            "properties": {
                "goal": {"type": "string", "minLength": 1, "maxLength": 10000},
                "max_depth": {"type": "integer", "minimum": 1, "maximum": 10},
                "config_profile": {"type": "string", "enum": list(PROFILES)},
                "config_overrides": {
                    "type": "object",
                    "properties": {k: {} for k in OVERRIDE_KEYS},
                    "additionalProperties": False,
                },
                "metadata": {
                    "type": "object",
                    "maxProperties": 10,
                    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 500},
                },
            },
        },
        "Metadata": {
            "type": "object",
            "properties": {
                "execution_time": {"type": "number"},
                "tokens_used": {"type": "integer"},
                "agent_calls": {"type": "integer"},
                "user_metadata": {"type": "object"},
            },
        },
        "Execution": {
            "type": "object",
            "required": ["execution_id", "status", "created_at"],
            "properties": {
                "execution_id": {"type": "string"},
                "status": {"type": "string", "enum": list(STATUSES)},
                "initial_goal": {"type": "string"},
                "result": {},
                "config_profile": {"type": "string"},
                "max_depth": {"type": "integer"},
                "metadata": _ref("Metadata"),
                "dag": _ref("Dag"),
                "error": {"type": "string"},
                "created_at": _TS,
                "updated_at": _TS,
                "completed_at": _NULL_TS,
                "failed_at": _NULL_TS,
                "cancelled_at": _NULL_TS,
            },
        },
        "Status": {
            "type": "object",
            "required": ["execution_id", "status", "progress"],
            "properties": {
                "execution_id": {"type": "string"},
                "status": {"type": "string", "enum": list(STATUSES)},
                "progress": {"type": "number", "minimum": 0, "maximum": 100},
                "current_step": {"type": ["string", "null"]},
                "result": {},
                "error": {"type": ["string", "null"]},
                "metadata": _ref("Metadata"),
                "updated_at": _TS,
            },
        },
        "Node": {
            "type": "object",
            "required": ["id", "type", "status"],
            "properties": {
                "id": {"type": "string"},
                "type": {"type": "string"},
                "status": {"type": "string", "enum": ["pending", "running", "completed", "failed"]},
                "input": {"type": "string"},
                "output": {"type": "string"},
                "error": {"type": "string"},
                "started_at": _TS,
                "completed_at": _TS,
                "parent_id": {"type": "string", "description": "the planner that planned it"},
                "depth": {"type": "integer", "minimum": 0},
            },
        },
        "Edge": {
            "type": "object",
            "required": ["from", "to"],
            "properties": {
                "from": {"type": "string"},
                "to": {"type": "string"},
                "type": {
                    "type": "string",
                    "description": "subtask: planner -> task it planned; "
                    "depends_on: a task -> a sibling that waits for it",
                },
            },
        },
        "Dag": {
            "type": "object",
            "properties": {
                "nodes": {"type": "array", "items": _ref("Node")},
                "edges": {"type": "array", "items": _ref("Edge")},
                "stats": {
                    "type": "object",
                    "properties": {
                        k: {"type": "integer"}
                        for k in ("total_nodes", "completed_nodes", "failed_nodes", "total_edges")
                    },
                },
            },
        },
        "ExecutionPage": {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": {"type": "array", "items": _ref("Execution")},
                "pagination": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "offset": {"type": "integer"},
                        "has_more": {"type": "boolean"},
                    },
                },
            },
        },
        "ErrorBody": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {},
                    },
                },
                "request_id": {"type": "string"},
            },
        },
    }
    common = _errors(400, 401, 404, 429, 500, 503)  # 503: the database is locked elsewhere
    list_params = [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
        },
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
        {"name": "profile", "in": "query", "schema": {"type": "string", "enum": list(PROFILES)}},
        {"name": "created_after", "in": "query", "schema": _TS},
        {"name": "created_before", "in": "query", "schema": _TS},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORT_FIELDS)}},
        {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
    ]
    idem = {"name": "X-Idempotency-Key", "in": "header", "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ROMA API (roma-tui sandbox, simulated)", "version": "v1"},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/api/v1/executions": {
                "post": {
                    "operationId": "createExecution",
                    "parameters": [idem],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("CreateExecution")}},
                    },
                    "responses": {**_ok(202, _ref("Execution")), **common, **_errors(403, 415)},
                },
                "get": {
                    "operationId": "listExecutions",
                    "parameters": list_params,
                    "responses": {**_ok(200, _ref("ExecutionPage")), **common},
                },
            },
            "/api/v1/executions/{execution_id}": {
                "get": {
                    "operationId": "getExecution",
                    "parameters": [_ID],
                    "responses": {**_ok(200, _ref("Execution")), **common},
                }
            },
            "/api/v1/executions/{execution_id}/status": {
                "get": {
                    "operationId": "getStatus",
                    "parameters": [_ID],
                    "responses": {**_ok(200, _ref("Status")), **common},
                }
            },
            "/api/v1/executions/{execution_id}/cancel": {
                "post": {
                    "operationId": "cancelExecution",
                    "parameters": [_ID, idem],
                    "responses": {
                        **_ok(
                            200,
                            {
                                "type": "object",
                                "properties": {
                                    "execution_id": {"type": "string"},
                                    "status": {"type": "string"},
                                    "cancelled_at": _TS,
                                },
                            },
                        ),
                        **common,
                        **_errors(403, 415),
                    },
                }
            },
            "/api/v1/executions/{execution_id}/dag": {
                "get": {
                    "operationId": "getDag",
                    "parameters": [_ID],
                    "responses": {
                        **_ok(
                            200,
                            {
                                "type": "object",
                                "properties": {
                                    "execution_id": {"type": "string"},
                                    "dag": _ref("Dag"),
                                },
                            },
                        ),
                        **common,
                    },
                }
            },
        },
    }
