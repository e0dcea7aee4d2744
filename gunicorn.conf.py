"""gunicorn settings for a venue server: `gunicorn -c gunicorn.conf.py` (see README, Production).

Every value can be overridden on the command line or through GUNICORN_* variables below.
"""

import os

#: The application: the factory reads SECRET_KEY, DATABASE_URL, REDIS_URL … from the environment.
wsgi_app = "kiosk:create_app()"

#: Where to listen. Behind nginx or a load balancer keep 127.0.0.1 and set PROXY_FIX=1.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

#: Threaded workers: an open dashboard stream (server-sent events) holds one thread, which
#: sleeps on a condition until a figure changes, and no database connection; the other threads
#: keep answering. 256 threads per worker leave the API answering with 200 dashboards open
#: (bench/bench_headcount.py). gthread rather than gevent: psycopg 3, redis-py and the live
#: broker's threading.Condition then need no monkey-patching.
#: Without REDIS_URL a change is heard only inside its own process: one worker then.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 256))
workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) if os.environ.get("REDIS_URL") else 1))
worker_connections = 1000
timeout = 30
graceful_timeout = 30
keepalive = 5

#: Requests larger than this are refused before reaching the app (header lines and fields).
limit_request_line = 4094
limit_request_fields = 100

#: Access log to stdout (or a file), with private-link secrets, credentials and searched names
#: redacted (kiosk/accesslog.py; addresses are percent-decoded first, as the app reads them).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
logger_class = "kiosk.accesslog.GunicornLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


#: Without REDIS_URL, limits (kiosk proofs, find me, sign-in) and live figures are kept per process.
SEVERAL_WORKERS_NEED_REDIS = (
    "gunicorn: {workers} workers need REDIS_URL: without Redis each worker keeps its own attempt "
    "limits (sign-in, kiosk proofs, find me) and live figures. "
    "Set REDIS_URL, or run one worker (GUNICORN_WORKERS=1)."
)


def on_starting(server):
    """Refuse to start several workers without Redis (also when -w or WEB_CONCURRENCY asked for them),
    or beside another server on the same database when either has no Redis (kiosk.services.servers).
    """
    if server.cfg.workers > 1 and not os.environ.get("REDIS_URL"):
        raise RuntimeError(SEVERAL_WORKERS_NEED_REDIS.format(workers=server.cfg.workers))
    from kiosk import database_uri
    from kiosk.services.servers import Heartbeat

    server.heartbeat = Heartbeat(database_uri(), uses_redis=bool(os.environ.get("REDIS_URL")))
    server.heartbeat.start()  # raises SecondServerWithoutRedis, with its sentence


def on_exit(server):
    """A clean stop removes this server's heartbeat row, so a restart is not taken for a second server."""
    heartbeat = getattr(server, "heartbeat", None)
    if heartbeat is not None:
        heartbeat.stop()


def post_worker_init(worker):
    """On a graceful stop (SIGTERM: a restart, a reload), end this worker's dashboard streams at once.

    A stream never ends by itself, and gthread waits up to `graceful_timeout` for requests in
    progress: without this, every restart with a dashboard open would wait 30 s and then cut
    it. Closed now, each stream ends cleanly and its browser reconnects (to the new workers)
    within a second, resuming where it was.
    """
    import signal

    broker = getattr(worker.wsgi, "extensions", {}).get("live")
    stop = signal.getsignal(signal.SIGTERM)
    if broker is None or not callable(stop):
        return

    def stopping(signum, frame):
        broker.close()  # this (main) thread never holds the broker's lock: safe in a handler
        stop(signum, frame)

    signal.signal(signal.SIGTERM, stopping)
