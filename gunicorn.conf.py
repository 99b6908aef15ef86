"""gunicorn's settings for Steward: `make run`, the documented command and the benchmark all name this file.

gunicorn also reads `./gunicorn.conf.py` by itself when started from the repository without `--config`, so a
server started by hand from here keeps the same promise: the access log names no client and no secret.
"""

# The access log, on standard output (the journal, under systemd). steward.gunicorn_logging.StewardLogger leaves
# the client's address, browser and referrer out of every line and redacts follow-up and party links, so it is
# safe to keep; a format naming %(h)s or %(a)s still logs "-" there.
logger_class = "steward.gunicorn_logging.StewardLogger"
accesslog = "-"
# The path without its query string (a steward's search words, `?q=` a handle, stay out), as nginx's line logs it.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
