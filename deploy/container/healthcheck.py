"""The container's HEALTHCHECK (deploy/container/entrypoint.sh healthcheck ROLE).

web: the server answers /health/ with 200 (a "degraded" answer is healthy for the web container: it still
takes reports, and the worker's own container reports the worker). worker: the heartbeat the worker stamps
is fresh (`manage.py health`). A one-off container (migrate, a command) has nothing to check.
"""

import http.client
import os
import subprocess
import sys


def web_is_healthy() -> bool:
    # The request names a host Django accepts: the first of ALLOWED_HOSTS that is a plain name.
    hosts = [host.strip() for host in os.environ.get("ALLOWED_HOSTS", "localhost").split(",")]
    host = next((h.lstrip(".") for h in hosts if h and "*" not in h), "localhost")
    connection = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=4)
    try:
        connection.request("GET", "/health/", headers={"Host": host})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def worker_is_healthy() -> bool:
    result = subprocess.run([sys.executable, "manage.py", "health"], capture_output=True, timeout=20, check=False)
    return result.returncode == 0


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else "none"
    checks = {"web": web_is_healthy, "worker": worker_is_healthy}
    sys.exit(0 if role not in checks or checks[role]() else 1)
