"""The HTTP methods a page answers: HEAD wherever GET is (RFC 9110: GET without the body).

Monitors, link checkers and proxies probe pages with HEAD; Django's `require_GET` and a plain
`require_http_methods(["GET", "POST"])` refuse it with 405, so a page that works looked broken. Pages use
Django's `require_safe` (GET and HEAD), or `page_or_form` here (a page whose form posts back to it).
steward.middleware.HeadWithoutBodyMiddleware then takes the body off, which gunicorn does not do.
"""

from django.views.decorators.http import require_http_methods

page_or_form = require_http_methods(["GET", "HEAD", "POST"])
