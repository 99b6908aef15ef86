"""The WSGI entry point gunicorn imports (steward.wsgi:application).

Before it serves anybody, the process checks that the configured encryption keys read this database
(privacy.canary). If they do not, the import fails: gunicorn logs the message and stops ("Worker failed
to boot", exit status 3) instead of answering 500 on every case page and follow-up link.
"""

import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
application = get_wsgi_application()


def _refuse_unless_keys_read() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections

    from privacy.canary import refuse_unless_keys_read

    try:
        refuse_unless_keys_read()
    except ImproperlyConfigured as error:
        # Said once, plainly, above the traceback gunicorn prints.
        print(f"\n{error}\n", file=sys.stderr, flush=True)
        raise
    finally:
        # Requests open their own connections; one opened here must not be shared by a forked process (--preload).
        connections.close_all()


_refuse_unless_keys_read()
