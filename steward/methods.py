"""The HTTP methods a page answers: HEAD wherever GET is (RFC 9110: GET without the body).

Monitors, link checkers and proxies probe pages with HEAD; Django's `require_GET` and a plain
`require_http_methods(["GET", "POST"])` refuse it with 405, so a page that works looked broken. Pages use
`require_safe` (GET and HEAD) or `page_or_form` (a page whose form posts back to it).
"""

from django.views.decorators.http import require_http_methods, require_safe

page_or_form = require_http_methods(["GET", "HEAD", "POST"])

__all__ = ["page_or_form", "require_safe"]
