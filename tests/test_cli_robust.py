"""The CLI under bad flags, missing keys and profiles, closed pipes and ctrl+c: a clear line and
the right exit code, never a traceback, and no request sent when it cannot succeed."""

from __future__ import annotations

import io as stdio
import os
import signal
import socket
import subprocess
import sys
import time

import keyring
import keyring.errors
import pytest

from conftest import KEY, LockedKeyring
from roma_tui.cli import build_parser, main
from roma_tui.commands import Io
from roma_tui.settings import Profile, config_path, save_profile

EID = "exec_1a2b3c4d5e6f7g8h"


def run(argv, *, secret=lambda _: "", answers=()):
    out, err = stdio.StringIO(), stdio.StringIO()
    replies = iter(answers)
    code = main(
        argv,
        Io(out=out, err=err, ask=lambda _: next(replies), ask_secret=secret, interactive=False),
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def listener():
    """A loopback port that accepts connections (the kernel's backlog) but never answers;
    `accepted()` says how many connections were made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)

    class Listener:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"

        @staticmethod
        def accepted() -> int:
            count = 0
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    return count
                conn.close()
                count += 1

    yield Listener
    sock.close()


# -- --timeout ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "timeout"),
    [
        (["--timeout", "1", "ls"], 1.0),
        (["ls", "--timeout", "2"], 2.0),
        (["--timeout", "5", "ls", "--timeout", "2"], 2.0),
        (["ls"], 15.0),
        (["--timeout", "3"], 3.0),
    ],
)
def test_the_timeout_flag_works_before_and_after_the_command(argv, timeout):
    assert build_parser().parse_args(argv).timeout == timeout


def test_connection_flags_before_the_command_are_kept():
    args = build_parser().parse_args(
        ["--profile", "work", "--url", "http://127.0.0.1:1", "--allow-insecure", "status", EID]
    )
    assert (args.profile, args.url, args.allow_insecure) == ("work", "http://127.0.0.1:1", True)


def test_a_top_level_timeout_bounds_the_whole_command(listener, monkeypatch):
    monkeypatch.setenv("ROMA_API_KEY", KEY)
    started = time.monotonic()
    code, _, err = run(["--timeout", "1", "ls", "--url", listener.url])
    assert time.monotonic() - started < 2.5  # the deadline contract: 1 s and some slack
    assert code == 1
    assert "did not answer GET /api/v1/executions within 1 s." in err


@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf", "soon"])
def test_a_timeout_that_is_not_a_positive_number_is_a_usage_error(bad, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--timeout", bad, "ls"])
    assert caught.value.code == 2
    assert f"argument --timeout: must be a number of seconds above 0, not '{bad}'" in (
        capsys.readouterr().err
    )


# -- keys and profiles ----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["ls"], ["status", EID], ["dag", EID], ["cancel", EID, "-y"]])
def test_without_a_key_nothing_is_sent(command, listener):
    code, out, err = run([*command, "--url", listener.url])
    assert code == 2 and out == ""
    assert err.startswith(f"error: no API key, so nothing was sent to {listener.url}.")
    assert "roma-tui login" in err and "ROMA_API_KEY" in err
    assert listener.accepted() == 0


def test_an_upstream_profile_may_go_without_a_key(listener):
    save_profile(Profile(name="up", base_url=listener.url, dialect="upstream"), activate=True)
    code, _, err = run(["--timeout", "0.5", "ls"])
    assert code == 1 and "did not answer" in err  # it was sent (and the silent server timed out)
    assert listener.accepted() == 1


@pytest.mark.parametrize("where", [["--profile", "nope", "ls"], ["ls", "--profile", "nope"]])
def test_a_profile_that_does_not_exist_is_a_usage_error(where, listener, monkeypatch):
    monkeypatch.setenv("ROMA_API_KEY", KEY)
    save_profile(Profile(name="work", base_url=listener.url))
    save_profile(Profile(name="home", base_url=listener.url))
    code, _, err = run(where)
    assert code == 2
    assert err.startswith("error: There is no profile named 'nope'; the profiles in ")
    assert "are: home, work." in err and "roma-tui login --profile nope" in err
    assert listener.accepted() == 0


def test_an_active_profile_that_does_not_exist_is_a_usage_error(listener, monkeypatch):
    monkeypatch.setenv("ROMA_API_KEY", KEY)
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text(f'active_profile = "nope"\n[profiles.work]\nbase_url = "{listener.url}"\n')
    code, _, err = run(["ls"])
    assert code == 2 and "sets active_profile = 'nope', but there is no such profile" in err
    assert listener.accepted() == 0


def test_the_console_on_a_profile_that_does_not_exist_is_a_usage_error(monkeypatch):
    monkeypatch.setattr("roma_tui.console.setup_logging", lambda: None)
    save_profile(Profile(name="work"))
    code, _, err = run(["--profile", "nope"])
    assert code == 2 and "There is no profile named 'nope'" in err


def test_login_creates_a_profile_that_does_not_exist_yet(sandbox, memory_keyring):
    save_profile(Profile(name="work"))
    code, out, err = run(["login", "--profile", "new", "--url", sandbox.url], secret=lambda _: KEY)
    assert code == 0, err
    assert "Logged in: profile new" in out and memory_keyring.store == {("roma-tui", "new"): KEY}


def test_a_locked_keyring_is_said_before_anything_is_sent(listener):
    keyring.set_keyring(LockedKeyring())  # the autouse memory_keyring fixture restores it
    code, _, err = run(["ls", "--url", listener.url])
    assert code == 2 and "The OS keyring is locked. Unlock it" in err
    assert listener.accepted() == 0
    save_profile(Profile(name="work"))
    code, out, _ = run(["profiles"])
    assert code == 0 and "keyring locked" in out


# -- broken files, ctrl+c, closed pipes -------------------------------------------------------


def test_login_says_why_the_config_could_not_be_written(sandbox, memory_keyring, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(1, "Operation not permitted", str(dst))

    monkeypatch.setattr("roma_tui.settings.config.os.replace", refuse)
    code, _, err = run(["login", "--url", sandbox.url], secret=lambda _: KEY)
    assert code == 2
    assert err.startswith(f"error: Cannot write {config_path()}: Operation not permitted.")
    assert memory_keyring.store == {}


def test_ctrl_c_at_the_key_prompt_stores_nothing(memory_keyring):
    def interrupted(prompt):
        raise KeyboardInterrupt

    code, out, err = run(["login", "--url", "http://127.0.0.1:1"], secret=interrupted)
    assert code == 130 and out == ""
    assert err == "\ninterrupted; nothing was stored\n"
    assert memory_keyring.store == {} and not config_path().exists()


def _roma_tui(*args, **popen):
    return subprocess.Popen([sys.executable, "-m", "roma_tui", *args], **popen)


def test_a_reader_that_goes_away_ends_the_output_quietly(start_sandbox, monkeypatch):
    server = start_sandbox(seed_demo=30)
    monkeypatch.setenv("ROMA_API_KEY", KEY)
    reader_r, writer_w = os.pipe()
    proc = _roma_tui(
        "ls", "--url", server.url, "--all", "--json", stdout=writer_w, stderr=subprocess.PIPE
    )
    os.close(writer_w)
    os.close(reader_r)  # `| head -0`: the reader is gone before the first line
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert proc.returncode == 141


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_a_real_process_at_the_key_prompt(monkeypatch):
    # No terminal here, so getpass reads stdin: a pipe we keep open while SIGINT arrives.
    proc = _roma_tui(
        "login",
        "--url",
        "http://127.0.0.1:1",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    assert proc.stderr is not None
    seen = b""
    while b"API key" not in seen and time.monotonic() < deadline:
        seen += os.read(proc.stderr.fileno(), 1024)
    proc.send_signal(signal.SIGINT)
    # Not communicate(): it closes stdin at once, and a child that reads that EOF before it
    # takes the signal sees "no key given" (exit 2): the race this test once lost under load.
    proc.wait(timeout=30)
    err = proc.stderr.read()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.close()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 130
    assert b"Traceback" not in seen + err and b"interrupted" in err


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HTTPS_PROXY", "ftp://user:proxy-secret@proxy.example"),  # a scheme httpx has no use for
        ("ALL_PROXY", "socks5://proxy.example:1080"),  # SOCKS, without httpx's socks extra
        ("HTTP_PROXY", "https://[::1"),  # does not parse
    ],
)
def test_an_environment_that_httpx_cannot_use_gets_a_line_that_names_it(
    monkeypatch, variable, value
):
    monkeypatch.setenv("ROMA_API_KEY", KEY)
    monkeypatch.setenv(variable, value)
    code, out, err = run(["ls", "--url", "https://127.0.0.1:9"])
    assert code == 2 and out == ""
    assert err.startswith("error: Cannot set up connections:") and variable in err
    assert "Traceback" not in err and KEY not in err and "proxy-secret" not in err


def test_a_ca_file_that_cannot_be_read_gets_a_line_that_names_it(tmp_path):
    # Its own process: this one has built its CA context already, and keeps it.
    env = {**os.environ, "ROMA_API_KEY": KEY, "SSL_CERT_FILE": str(tmp_path / "missing.pem")}
    result = subprocess.run(
        [sys.executable, "-m", "roma_tui", "ls", "--url", "https://127.0.0.1:9"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: Cannot set up connections:")
    assert "SSL_CERT_FILE" in result.stderr and "Traceback" not in result.stderr
