"""`make lab`: JupyterLab from .venv at notebooks/, with the project kernel "antt (project)".

The server is started headless on a free loopback port with a random token, exactly as ``make lab`` starts
it (``jupyter lab --ServerApp.root_dir=notebooks``) plus the options a test needs; it is stopped in a
``finally`` (terminate, wait, kill on timeout) and the test asserts that nothing is left running.
Jupyter's runtime, config and data folders point at a temporary folder, so the test neither reads a
user's configuration nor leaves files behind, and the kernel found is the one ``make setup`` registered
in the environment (``--sys-prefix``).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import ROOT

STARTUP_TIMEOUT = 60  # seconds until /api/status must answer
STOP_TIMEOUT = 20  # seconds to exit after SIGTERM before SIGKILL
KERNEL = "antt"
DISPLAY_NAME = "antt (project)"
# Loopback only: no proxy, even if the environment sets one.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _jupyter() -> list[str]:
    script = Path(sys.executable).with_name("jupyter")  # .venv/bin/jupyter, as `make lab` runs it
    return [str(script)] if script.exists() else [sys.executable, "-m", "jupyter"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists but not ours
        return True
    # A zombie (exited, not yet reaped by its parent) is not running.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


class Lab:
    def __init__(self, url: str, token: str, process: subprocess.Popen, log: Path):
        self.url, self.token, self.process, self.log = url, token, process, log

    def request(self, path: str, method: str = "GET", body: dict | None = None, timeout: float = 10):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with _OPENER.open(req, timeout=timeout) as response:
            text = response.read().decode("utf-8")
            return response.status, (
                json.loads(text) if text and "json" in response.headers.get("Content-Type", "") else text
            )

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def lab(tmp_path):
    port, token = _free_port(), secrets.token_hex(24)
    jupyter_home = tmp_path / "jupyter"
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(jupyter_home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"),
        "JUPYTER_DATA_DIR": str(jupyter_home / "data"),
        "IPYTHONDIR": str(jupyter_home / "ipython"),
    }
    command = [
        *_jupyter(),
        "lab",
        f"--ServerApp.root_dir={ROOT / 'notebooks'}",
        "--no-browser",
        "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        # Loopback only: no announcements, update checks or PyPI queries.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # Containers and CI often run as root; Jupyter refuses that without the flag (`make lab` does the same).
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    log = tmp_path / "jupyter-lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = Lab(f"http://127.0.0.1:{port}", token, process, log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode} before answering:\n{server.log_text()}")
            try:
                status, _ = server.request("/api/status", timeout=2)
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer /api/status within {STARTUP_TIMEOUT} s:\n{server.log_text()}")
            time.sleep(0.25)
        yield server
    finally:
        _stop(process)
    assert process.poll() is not None, "jupyter lab is still running"
    assert not _alive(process.pid), f"process {process.pid} left running"


def test_lab_answers_and_lists_the_project_kernel(lab):
    status, body = lab.request("/api/status")
    assert status == 200 and "started" in body

    status, specs = lab.request("/api/kernelspecs")
    assert status == 200
    assert KERNEL in specs["kernelspecs"], (
        f"kernel {KERNEL!r} not registered (run make setup): {list(specs['kernelspecs'])}"
    )
    spec = specs["kernelspecs"][KERNEL]["spec"]
    assert spec["display_name"] == DISPLAY_NAME
    assert spec["argv"][0].startswith(sys.prefix), f"the kernel does not run .venv's Python: {spec['argv'][0]}"

    status, page = lab.request("/lab")
    assert status == 200 and "<html" in page.lower()

    status, contents = lab.request("/api/contents")
    names = {item["name"] for item in contents["content"]}
    assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= names, "the server's root is not notebooks/"
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"]["name"] == KERNEL, f"{path.name} does not use the project kernel"


def test_the_request_without_token_is_refused(lab):
    req = urllib.request.Request(lab.url + "/api/kernelspecs")
    with pytest.raises(urllib.error.HTTPError) as info:
        _OPENER.open(req, timeout=10)
    assert info.value.code == 403


def _execute(lab: Lab, kernel_id: str, code: str, timeout: float = 60) -> str:
    """Run ``code`` in a kernel over the server's websocket; return its stdout (raises on error)."""
    import websocket  # websocket-client, a dependency of jupyter_server

    ws_url = lab.url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {lab.token}"], timeout=timeout)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": "test",
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                }
            )
        )
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
        raise AssertionError(f"no answer from the kernel within {timeout} s")
    finally:
        ws.close()


def test_a_notebook_kernel_imports_the_package_without_path_hacks(lab):
    status, kernel = lab.request("/api/kernels", method="POST", body={"name": KERNEL, "path": ""})
    assert status == 201 and kernel["name"] == KERNEL
    pid = None
    try:
        out = _execute(
            lab,
            kernel["id"],
            "import os, sys, antt\nprint(antt.__file__)\nprint(os.getcwd())\nprint(sys.prefix)\nprint(os.getpid())",
        )
        antt_file, cwd, prefix, pid = out.split()
        pid = int(pid)
        assert Path(antt_file) == ROOT / "src" / "antt" / "__init__.py", "antt is not the editable install of src/"
        assert Path(cwd) == ROOT / "notebooks"
        assert Path(prefix) == Path(sys.prefix)
        status, _ = lab.request(f"/api/kernels/{kernel['id']}", method="DELETE")
        assert status == 204
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(pid), f"kernel process {pid} still running after shutdown"
    finally:
        if pid is not None and _alive(pid):
            os.kill(pid, signal.SIGKILL)
