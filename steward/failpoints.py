"""Named points where the fault tests kill a worker process, to prove a crash there loses and repeats nothing.

In production this does nothing: it reads one environment variable. The fault tests start a worker with
`STEWARD_FAILPOINT_FILE` naming a file that holds the name of one point; the first process to reach that
point deletes the file (so the restarted worker runs through) and kills itself with SIGKILL — no
cleanup, no `finally`, no transaction rollback message: exactly what a power cut or the OOM killer does.
"""

import os
import signal
from pathlib import Path


def failpoint(name: str) -> None:
    path = os.environ.get("STEWARD_FAILPOINT_FILE")
    if not path:
        return
    marker = Path(path)
    try:
        armed = marker.read_text().strip()
    except FileNotFoundError:
        return
    if armed != name:
        return
    try:
        marker.unlink()
    except FileNotFoundError:
        return  # another process took it
    os.kill(os.getpid(), signal.SIGKILL)
