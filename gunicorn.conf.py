"""Gunicorn settings for the OPD site; each can be changed through the environment."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = "-"
# The path without its query string, and no Referer: a desk search (?q=<phone or name>) must
# never reach a log line. Client address, time, method, path, status, size, duration (µs), the
# request id nginx set, and the user agent.
access_log_format = (
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)s "%({x-request-id}i)s" "%(a)s"'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Recycle workers now and then so a slow leak never grows; the jitter staggers the restarts.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from the proxy in front (set to its address, "*" behind a private LB).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicornc's control socket (worker count, reload, shutdown) only where one is asked for: its
# default place, $HOME/.gunicorn, is not writable by the app user (the image's /app is root's).
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Metrics from every worker in one scrape (opd_site/metrics.py): each worker writes its counters
# to PROMETHEUS_MULTIPROC_DIR, a private empty directory made here unless one is given.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="opd-metrics-")


def on_starting(server):
    """Start from zero: counts left by a previous run in a given directory are not ours."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    """A worker that exited (recycled, or killed) keeps its counts but drops its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory made above (a given one is left to its owner)."""
    if _own_metrics_dir:
        import shutil

        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
