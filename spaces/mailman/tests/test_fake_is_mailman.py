"""The differential test: one script of REST calls, played against the fake and against the real Mailman core,
must get the same answers, so the fake the fast tests use cannot drift from the real server.

The script covers every call Steward makes (spaces/mailman/client.py) in the situations it meets: lists by id
and by posting address, unknown lists, members in any spelling, moderation set and cleared, bans on an
address and by pattern, site-wide bans, and refusals. Answers are compared whole (status, Location, and the
JSON body) once what differs by nature is put aside: the server's address, generated ids and etags.
"""

import re
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from spaces.mailman import fake as fake_module
from spaces.mailman.fake import FakeMailman

pytestmark = pytest.mark.database_free

Answer = tuple[int, str | None, Any]
PRE = {"pre_verified": "true", "pre_confirmed": "true", "pre_approved": "true"}
IDS = re.compile(r"\b[0-9a-f]{32}\b")
ETAG = re.compile(r'^"[0-9a-f]{40}"$')


def _normal(value: Any, base: str) -> Any:
    """Puts aside what differs by nature: the API's address, member and user ids, etags (they hash the ids)."""
    if isinstance(value, dict):
        return {key: "<etag>" if key == "http_etag" else _normal(item, base) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item, base) for item in value]
    if isinstance(value, str):
        return IDS.sub("<id>", value.replace(base, "<api>"))
    return value


def play(rest: httpx.Client, host: str) -> list[tuple[str, Answer]]:
    """The script; returns each call with its answer, normalised."""
    base = str(rest.base_url).rstrip("/")
    transcript: list[tuple[str, Answer]] = []

    def call(method: str, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        response = rest.request(method, path, data=data)
        body = response.json() if response.content else None
        if isinstance(body, dict) and "http_etag" in body:
            assert ETAG.match(body["http_etag"]), body["http_etag"]
        location = response.headers.get("location")
        transcript.append((f"{method} {path} {data or ''}", (response.status_code, _normal(location, base), _normal(body, base))))
        return response

    def segment(entry: str) -> str:
        return quote(entry, safe="@")

    # The people are at a domain of this run's own: addresses are site-wide in Mailman, and the core may be shared.
    pe = f"people.{host}"
    Pe, PE, pE = pe.title(), pe.upper(), pe.replace("people", "PEOPLE")
    dev = f"/lists/dev.{host}"
    call("POST", "/domains", {"mail_host": host})
    call("POST", "/lists", {"fqdn_listname": f"dev@{host}"})
    call("POST", "/lists", {"fqdn_listname": f"dev@{host}"})
    call("POST", "/lists", {"fqdn_listname": "dev@nowhere.example.net"})
    call("GET", dev)
    call("GET", f"/lists/dev@{host}")
    call("GET", f"/lists/Dev@{host}")
    call("GET", f"/lists/nope.{host}")
    # Members, as Postorius subscribes them and as Steward looks them up
    subscribed = call("POST", "/members", {"list_id": f"dev.{host}", "subscriber": f"Mallory@{Pe}", "display_name": "Mal"} | PRE)
    member = urlsplit(subscribed.headers["location"]).path.rsplit("/", 1)[-1]
    call("POST", "/members", {"list_id": f"dev.{host}", "subscriber": f"mallory@{pe}"} | PRE)
    call("POST", "/members", {"list_id": f"dev@{host}", "subscriber": f"eve@{pe}"} | PRE)
    call("GET", dev)  # member_count
    call("GET", dev + f"/member/mallory@{pe}")
    call("GET", f"/lists/dev@{host}/member/MALLORY@{pe}")
    call("GET", dev + f"/member/nobody@{pe}")
    call("GET", f"/lists/nope.{host}/member/mallory@{pe}")
    call("PATCH", f"/members/{member}", {"moderation_action": "hold"})
    call("GET", dev + f"/member/mallory@{pe}")
    call("PATCH", f"/members/{member}", {"moderation_action": ""})
    call("GET", dev + f"/member/mallory@{pe}")
    call("PATCH", f"/members/{member}", {"moderation_action": "mute"})
    call("PATCH", f"/members/{uuid.uuid4().hex}", {"moderation_action": "hold"})
    # Bans on an address: compared exactly
    call("POST", dev + "/bans", {"email": f"Eve@{PE}"})
    call("GET", dev + f"/bans/Eve@{PE}")
    call("GET", dev + f"/bans/eve@{pe}")
    call("POST", "/members", {"list_id": f"dev.{host}", "subscriber": f"eve@{pe}"} | PRE)
    call("DELETE", dev + f"/bans/eve@{pe}")
    call("DELETE", dev + f"/bans/Eve@{PE}")
    # Bans by pattern: matched without regard to case
    pattern = "^" + re.escape(f"trudy+lists@{pe}") + "$"  # Mailman's own syntax, written out as a moderator would
    call("POST", dev + "/bans", {"email": pattern})
    call("POST", dev + "/bans", {"email": pattern})
    call("GET", dev + "/bans/" + segment(pattern))
    call("GET", dev + "/bans/" + segment(f"TRUDY+lists@{pE}"))
    call("GET", dev + "/bans/" + segment(f"trudy+lists@{pe}.evil"))
    call("POST", "/members", {"list_id": f"dev.{host}", "subscriber": f"TRUDY+LISTS@{pe}"} | PRE)
    call("POST", "/members", {"list_id": f"dev.{host}", "subscriber": f"trudy@{pe}"} | PRE)
    call("GET", f"/lists/dev@{host}/bans/" + segment(pattern))
    call("DELETE", dev + "/bans/" + segment(pattern))
    call("DELETE", dev + "/bans/" + segment(pattern))
    # Site-wide bans reach every list (an address of this run's own domain: the core may be shared)
    site_pattern = "^" + re.escape(f"zed@{host}") + "$"
    call("POST", "/bans", {"email": site_pattern})
    call("GET", "/bans/" + segment(site_pattern))
    call("GET", dev + "/bans/" + segment(f"ZED@{host}"))
    call("POST", "/members", {"list_id": f"dev.{host}", "subscriber": f"Zed@{host}"} | PRE)
    call("POST", dev + "/bans", {"email": site_pattern})
    call("DELETE", "/bans/" + segment(site_pattern))
    call("GET", "/bans/" + segment(site_pattern))
    # Unknown lists and refused requests
    call("GET", f"/lists/nope.{host}/bans/x@{pe}")
    call("POST", f"/lists/nope.{host}/bans", {"email": f"x@{pe}"})
    call("DELETE", f"/lists/nope.{host}/bans/x@{pe}")
    call("POST", "/bans", {"email": "nobody"})
    call("POST", dev + "/bans", {"address": f"x@{pe}"})
    call("POST", dev + "/bans", {})
    return transcript


def compare(fake_transcript: list[tuple[str, Answer]], real_transcript: list[tuple[str, Answer]]) -> list[str]:
    return [
        f"{step}\n  fake: {fake_answer}\n  real: {real_answer}"
        for (step, fake_answer), (_, real_answer) in zip(fake_transcript, real_transcript, strict=True)
        if fake_answer != real_answer
    ]


def test_the_fake_answers_as_the_real_mailman_core(real_mailman):
    host = f"d{uuid.uuid4().hex[:12]}.lists.example.org"
    fake = FakeMailman(user=real_mailman.user, password=real_mailman.password)
    with httpx.Client(base_url="http://localhost:8001/3.1", transport=fake.transport(), auth=(fake.user, fake.password)) as rest:
        fake_transcript = play(rest, host)
    with real_mailman.client() as rest:
        try:
            real_transcript = play(rest, host)
        finally:
            rest.delete(f"/domains/{host}")
    differences = compare(fake_transcript, real_transcript)
    assert not differences, "The fake answers differently from Mailman:\n" + "\n".join(differences)


def test_the_comparison_sees_a_difference(monkeypatch):
    """The comparison is not blind: a fake that lower-cased address bans (as it once did) is caught."""
    transcripts = []
    for drift in (False, True):
        if drift:
            monkeypatch.setattr(fake_module, "_matches", lambda entry, email: entry.lower() == email.lower())
        fake = FakeMailman()
        with httpx.Client(base_url="http://localhost:8001/3.1", transport=fake.transport(), auth=(fake.user, fake.password)) as rest:
            transcripts.append(play(rest, "x.lists.example.org"))
    differences = compare(*transcripts)
    assert any("/bans/eve@people.x.lists.example.org" in difference for difference in differences), differences
