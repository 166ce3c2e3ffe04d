"""Run the real server (uvicorn, as ``her2path serve``) in a child process on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.webapp.helpers import TOKEN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``with Server(db_url, log) as srv:`` starts the app; ``srv.kill()`` sends SIGKILL."""

    def __init__(
        self, database_url: str, log_path: Path, *, port: int | None = None, demo: bool = False
    ) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.port = port or free_port()
        self.demo = demo
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30, **kw
        )

    def start(self) -> Server:
        env = {
            **os.environ,
            "HER2PATH_DATABASE_URL": self.database_url,
            "HER2PATH_API_TOKEN": TOKEN,
            "HER2PATH_LOG_SALT": "test-salt",
        }
        env.pop("HER2PATH_DEMO", None)
        cmd = [sys.executable, "-m", "her2path.cli.main", "serve", "--port", str(self.port)]
        if self.demo:
            cmd.append("--demo")
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if (
                    httpx.get(
                        self.url + "/api/health", headers={"Authorization": f"Bearer {TOKEN}"}
                    ).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed by the server."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
