"""The test app served on a loopback port, threaded like gunicorn's gthread workers."""

from __future__ import annotations

import threading
import time

from flask import Flask
from werkzeug.serving import make_server

#: How long stopping waits for requests still being answered.
STOP_WAIT_SECONDS = 5.0


class Server:
    """The app on a loopback port (a free one, or the one it had: it can stop and start again).

    Stopping waits for the requests still being answered (a few seconds at most), so that none of
    them holds a database connection after its test has disposed of the engine: the connection
    would be garbage-collected while open, a ResourceWarning that fails a later test. An event
    stream ends only when the app's broker is closed (`close_streams`).
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.port = 0
        self.start()

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.server.daemon_threads = False  # so that the server keeps its request threads, to wait for
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for request in list(getattr(self.server, "_threads", None) or ()):
            request.join(max(0.0, deadline - time.monotonic()))
        self.server.block_on_close = False  # waited for above, within the bound
        self.server.server_close()

    def close_streams(self) -> None:
        """End the app's open event streams (at the end of a test: the app is torn down next)."""
        self.app.extensions["live"].close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
