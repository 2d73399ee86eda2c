"""A tiny stand-in for a self-hosted roma-dspy server (the upstream dialect of DIALECTS.md).

Only the shapes matter here: the list envelope, 0-1 progress, no /dag route but /checkpoint,
`{"detail": ...}` errors, naive timestamps. Served over real loopback HTTP by uvicorn.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

RUN_ID = "9b2f5e3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c"
EXECUTIONS = [
    {
        "execution_id": RUN_ID,
        "status": "RUNNING",
        "initial_goal": "Upstream goal",
        "profile": "general",
        "experiment_name": "exp-1",
        "total_tasks": 4,
        "completed_tasks": 1,
        "failed_tasks": 0,
        "config": None,
        "created_at": "2025-11-11T10:30:00.123456",
        "updated_at": "2025-11-11T10:31:00+00:00",
    },
    {
        "execution_id": "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
        "status": "completed",
        "initial_goal": "Older upstream goal",
        "profile": "fast",
        "experiment_name": "exp-1",
        "total_tasks": 2,
        "completed_tasks": 2,
        "failed_tasks": 0,
        "config": None,
        "created_at": "2025-11-10T09:00:00",
        "updated_at": "2025-11-10T09:05:00",
    },
]
CHECKPOINT = {
    "execution_id": RUN_ID,
    "checkpoint_id": "c1",
    "created_at": "2025-11-11T10:31:00",
    "trigger": "periodic",
    "dag": {
        "dag_id": "root",
        "tasks": {
            "t0": {
                "task_id": "t0",
                "goal": "Upstream goal",
                "status": "PLAN_DONE",
                "task_type": "PLAN",
                "subgraph_id": "root_sub_t0",
            },
            "t1": {
                "task_id": "t1",
                "goal": "step one",
                "status": "COMPLETED",
                "task_type": "EXECUTE",
            },
            "t2": {
                "task_id": "t2",
                "goal": "step two",
                "status": "EXECUTING",
                "task_type": "EXECUTE",
            },
        },
        "dependencies": {},
        "subgraphs": {
            "root_sub_t0": {
                "dag_id": "root_sub_t0",
                "tasks": {
                    "t1": {
                        "task_id": "t1",
                        "goal": "step one",
                        "status": "COMPLETED",
                        "task_type": "EXECUTE",
                    },
                    "t2": {
                        "task_id": "t2",
                        "goal": "step two",
                        "status": "EXECUTING",
                        "task_type": "EXECUTE",
                    },
                },
                "dependencies": {"t2": ["t1"]},
                "subgraphs": {},
            }
        },
    },
}


async def list_executions(request: Request) -> JSONResponse:
    limit = int(request.query_params.get("limit", 50))
    offset = int(request.query_params.get("offset", 0))
    rows = EXECUTIONS[offset : offset + limit]
    return JSONResponse(
        {"executions": rows, "total": len(EXECUTIONS), "offset": offset, "limit": limit},
        headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"},
    )


async def status(request: Request) -> JSONResponse:
    if request.path_params["execution_id"] != RUN_ID:
        return JSONResponse({"detail": "Execution not found"}, status_code=404)
    return JSONResponse(
        {
            "execution_id": RUN_ID,
            "status": "RUNNING",
            "progress": 0.25,
            "current_task_id": "t2",
            "current_task_goal": "step two",
            "completed_tasks": 1,
            "total_tasks": 4,
            "estimated_remaining_seconds": 30,
            "last_updated": "2025-11-11T10:31:00",
        }
    )


async def checkpoint(request: Request) -> JSONResponse:
    return JSONResponse(CHECKPOINT)


app = Starlette(
    routes=[
        Route("/api/v1/executions", list_executions),
        Route("/api/v1/executions/{execution_id}/status", status),
        Route("/api/v1/executions/{execution_id}/checkpoint", checkpoint),
    ]
)


class UpstreamServer:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
