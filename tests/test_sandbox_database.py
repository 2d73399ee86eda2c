"""The sandbox's database under trouble: unusable files, and a lock held by another process."""

from __future__ import annotations

import io
import logging
import sqlite3
import threading
import time

import httpx
import pytest

from conftest import KEY
from roma_tui.cli import main
from roma_tui.commands import Io
from roma_tui.sandbox import SandboxSettings, StorageError, make_api

EXECUTIONS = "/api/v1/executions"


def run_sandbox(db) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["sandbox", "--db", str(db), "--port", "0"], Io(out=out, err=err))
    return code, err.getvalue()


def one_clear_line(err: str, words: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and words in err


def test_a_corrupt_database_file_is_one_clear_line_and_exit_1(tmp_path):
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"this is not a database, it is a text file\n" * 100)
    code, err = run_sandbox(db)
    assert code == 1
    one_clear_line(err, "not a SQLite database")
    assert str(db) in err


def test_a_directory_as_the_database_is_one_clear_line_and_exit_1(tmp_path):
    code, err = run_sandbox(tmp_path)
    assert code == 1
    one_clear_line(err, "is a directory")


def test_a_database_locked_by_another_process_is_one_clear_line_and_exit_1(tmp_path):
    db = tmp_path / "locked.db"
    make_api(SandboxSettings(db=db)).engine.storage.close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        code, err = run_sandbox(db)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 1
    one_clear_line(err, "locked by another process")


def test_a_database_whose_folder_is_a_file_is_one_clear_line_and_exit_1(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    code, err = run_sandbox(tmp_path / "file" / "sandbox.db")
    assert code == 1
    one_clear_line(err, "file is a file, not a folder")


def test_make_api_raises_the_typed_error(tmp_path):
    with pytest.raises(StorageError, match="is a directory"):
        make_api(SandboxSettings(db=tmp_path))


def test_a_lock_taken_while_serving_is_a_quick_503_then_service_resumes(start_sandbox, caplog):
    server = start_sandbox()
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as http:
        before = http.post(EXECUTIONS, json={"goal": "before the lock"}).json()["execution_id"]
        other = sqlite3.connect(server.api.engine.storage.path, isolation_level=None)
        caplog.set_level(logging.WARNING, logger="roma_tui.sandbox")
        other.execute("BEGIN EXCLUSIVE")
        try:
            started = time.monotonic()
            refused = http.post(EXECUTIONS, json={"goal": "while locked"})
            waited = time.monotonic() - started
            # Reads go on (WAL): the run created before the lock is still there to see.
            read = http.get(f"{EXECUTIONS}/{before}/status")
            time.sleep(1.2)  # the background tick meets the lock too (and logs it once)
        finally:
            other.execute("ROLLBACK")
            other.close()
        print(f"POST under an exclusive lock answered in {waited * 1000:.0f} ms")
        assert refused.status_code == 503, refused.text
        body = refused.json()
        assert body["error"]["code"] == "service_unavailable"
        assert "database is busy" in body["error"]["message"]
        assert body["request_id"] == refused.headers["X-Request-ID"]
        assert refused.headers["Retry-After"] == "1"
        assert waited < 5.0  # SQLite's default wait was 5 s, on the event loop
        assert read.status_code in (200, 503)
        assert http.post(EXECUTIONS, json={"goal": "after"}).status_code == 202
        listed = http.get(EXECUTIONS).json()
        assert [e["initial_goal"] for e in listed["data"]] == ["after", "before the lock"]
    failures = [r for r in caplog.records if "background work failed" in r.getMessage()]
    assert len(failures) == 1 and "locked" in failures[0].getMessage()


def test_the_event_loop_answers_while_the_database_waits(start_sandbox):
    """A request waiting on the lock does not hold others that need no database."""
    server = start_sandbox()
    other = sqlite3.connect(server.api.engine.storage.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    answers: list[int] = []

    def post() -> None:
        with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as http:
            answers.append(http.post(EXECUTIONS, json={"goal": "waits"}).status_code)

    try:
        writers = [threading.Thread(target=post) for _ in range(3)]
        for writer in writers:
            writer.start()
        time.sleep(0.1)
        spec = httpx.get(f"{server.url}/openapi.json", timeout=30)
        spec_done = len(answers)  # how many writers had their answer when the spec came
        for writer in writers:
            writer.join()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert spec.status_code == 200
    assert spec_done == 0  # the spec did not wait for any of the writers
    assert answers == [503, 503, 503]
