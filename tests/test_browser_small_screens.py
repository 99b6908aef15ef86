"""Every page a steward, a reporter and a reported person use fits a 390 px phone: no sideways scrolling of the page
(a wide table scrolls inside its own box, .table-scroll). Pages from tests/page_walk.py, over the demo community."""

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.page_walk import build_walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390

# The widest element inside the page's own width, to name in the failure what pushes it out.
WIDEST = """() => {
  const out = [];
  const over = el => el.getBoundingClientRect().right > 391 && !(el.parentElement && el.parentElement.closest('.table-scroll'));
  for (const el of document.querySelectorAll('body *')) {
    if (over(el) && ![...el.children].some(over)) {
      out.push({right: Math.round(el.getBoundingClientRect().right), tag: el.tagName.toLowerCase(), id: el.id,
                cls: el.className.toString().slice(0, 40), text: (el.textContent || '').trim().slice(0, 50)});
    }
  }
  // Text overflows its box without widening the box: a long word or link.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, range = document.createRange();
    range.selectNodeContents(node);
    const right = range.getBoundingClientRect().right;
    if (right > 391 && !node.parentElement.closest('.table-scroll')) {
      const el = node.parentElement;
      out.push({right: Math.round(right), tag: el.tagName.toLowerCase(), id: el.id, cls: el.className.toString().slice(0, 40),
                text: node.textContent.trim().slice(0, 60)});
    }
  }
  return out.slice(0, 6);
}"""


def signed_in_context(browser: Any, base: str, user: Any) -> Any:
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return context


def test_every_page_fits_a_390_px_screen(live_server: Any, browser: Any) -> None:
    walk = build_walk()
    base = live_server.url
    visits: list[tuple[Any, str | None, list[str]]] = [
        (walk.steward, None, walk.steward_pages),
        (walk.newcomer, None, walk.newcomer_pages),
        (None, walk.reporter.entry, walk.reporter.pages),
        (None, walk.reported.entry, walk.reported.pages),
        (None, None, walk.public_pages),
    ]
    too_wide: dict[str, Any] = {}
    for user, entry, pages in visits:
        context = signed_in_context(browser, base, user)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if entry:
            page.goto(base + entry)  # the secret link opens the holder's session
        for path in pages:
            response = page.goto(base + path)
            assert response is not None and response.ok, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide[path] = {"scrollWidth": width, "widest": page.evaluate(WIDEST)}
        context.close()
    assert not too_wide, json.dumps(too_wide, indent=1)
