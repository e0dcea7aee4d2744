"""gunicorn settings for a venue server: `gunicorn -c gunicorn.conf.py` (see README, Production).

Every value can be overridden on the command line or through GUNICORN_* variables below.
"""

import os

#: The application: the factory reads SECRET_KEY, DATABASE_URL, REDIS_URL … from the environment.
wsgi_app = "kiosk:create_app()"

#: Where to listen. Behind nginx or a load balancer keep 127.0.0.1 and set PROXY_FIX=1.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

#: Synchronous workers: two per core plus one. (Server-sent events need another worker class,
#: e.g. gthread or gevent; set `worker_class` here when they are added.)
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5

#: Requests larger than this are refused before reaching the app (header lines and fields).
limit_request_line = 4094
limit_request_fields = 100

#: Access log to stdout (or a file), with private-link secrets and credentials redacted.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
logger_class = "kiosk.accesslog.GunicornLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
