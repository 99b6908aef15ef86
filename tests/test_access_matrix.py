"""Every URL the project defines, as every kind of user: each gets exactly what it should.

The walk starts from the URL resolver, so a new URL that is not classified here fails the test
(`test_every_url_is_classified`) until someone decides who may use it.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.actions import InvolvedPerson, do_declare_conflict
from cases.evidence import check_upload
from cases.models import Case, ConflictLevel, Evidence, PartyRole
from conftest import PASSWORD
from decisions.actions import ProposalInput, do_propose, do_vote
from decisions.models import InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from letters.actions import do_create_party_link
from people.actions import do_create_steward, do_link_identity
from people.models import Space

BODY = "MATRIX-REPORT-BODY the reviewer called me names"
FILE_TEXT = b"MATRIX-EVIDENCE-FILE chat log"

PUBLIC = "public"
STEWARD = "steward"  # any active steward; no case content
REPORTER = "reporter"  # needs the reporter's follow-up link
PARTY = "party"  # needs the reported person's link (letters.PartyLink)
ADMIN = "admin"
FLOW = "flow"  # a step of signing in or out: only ever redirects or asks for input, never shows data
STEWARD_OBJECT = "steward-object"  # any active steward, about one object named by id (a flag): 404 when it is not theirs to see
HOOK = "hook"  # a platform's webhook: no session counts; only a configured space's genuine signature does
CODE_NAME, READ, WRITE, VOTE = "code_name", "read", "write", "vote"

# name -> (rule, method). Case rules name the access layer's Need.
URLS: dict[str, tuple[str, str]] = {
    "policy:home": (PUBLIC, "GET"),
    "policy:code_of_conduct": (PUBLIC, "GET"),
    "policy:how_to_report": (PUBLIC, "GET"),
    "policy:what_happens_next": (PUBLIC, "GET"),
    "policy:stewards": (PUBLIC, "GET"),
    "intake:report": (PUBLIC, "GET"),
    "intake:follow_up_start": (PUBLIC, "GET"),
    "intake:follow_up": (REPORTER, "GET"),
    "intake:report_on_behalf": (STEWARD, "GET"),
    "accounts:login": (PUBLIC, "GET"),
    "set_language": (FLOW, "POST"),
    "accounts:verify": (FLOW, "GET"),
    "accounts:security": (STEWARD, "GET"),
    "accounts:totp_setup": (STEWARD, "GET"),
    "accounts:totp_remove": (STEWARD, "POST"),
    "accounts:password_change": (STEWARD, "POST"),
    "cases:queue": (STEWARD, "GET"),
    "cases:declare": (CODE_NAME, "GET"),
    "cases:detail": (READ, "GET"),
    "cases:reveal_identity": (READ, "POST"),
    "cases:evidence_download": (READ, "GET"),
    "cases:add_note": (WRITE, "POST"),
    "cases:send_message": (WRITE, "POST"),
    "cases:update_triage": (WRITE, "POST"),
    "cases:assign_shepherd": (WRITE, "POST"),
    "cases:acknowledge": (WRITE, "POST"),
    "cases:change_status": (WRITE, "POST"),
    "cases:add_party": (WRITE, "POST"),
    "cases:record_naming_consent": (WRITE, "POST"),
    "cases:add_evidence": (WRITE, "POST"),
    "cases:merge": (WRITE, "POST"),
    "cases:set_soft_read": (VOTE, "POST"),
    "letters:party_portal": (PARTY, "GET"),
    "letters:compose": (WRITE, "GET"),
    "letters:create_party_link": (WRITE, "POST"),
    "letters:revoke_party_link": (WRITE, "POST"),
    "letters:edit_draft": (WRITE, "POST"),
    "letters:approve_message": (VOTE, "POST"),
    "decisions:propose": (WRITE, "POST"),
    "decisions:vote": (VOTE, "POST"),
    "decisions:withdraw": (WRITE, "POST"),
    "decisions:record_inform": (WRITE, "POST"),
    "decisions:record_response": (WRITE, "POST"),
    "decisions:decide_appeal": (VOTE, "POST"),
    "decisions:appeal_reporter": (REPORTER, "GET"),
    "decisions:appeal_reported": (PARTY, "GET"),
    "clocks:set_target": (WRITE, "POST"),
    "clocks:take_measure": (WRITE, "POST"),
    "clocks:review_measure": (VOTE, "POST"),
    "privacy:legal_hold": (WRITE, "POST"),
    "privacy:expunge": (VOTE, "POST"),
    "privacy:requests": (ADMIN, "GET"),
    "privacy:open_request": (ADMIN, "POST"),
    "privacy:request": (ADMIN, "GET"),
    "privacy:request_export": (ADMIN, "GET"),
    "privacy:request_complete": (ADMIN, "POST"),
    "enforcement:approve_plan": (WRITE, "POST"),
    "enforcement:record_notice": (WRITE, "POST"),
    "enforcement:cancel_plan": (WRITE, "POST"),
    "enforcement:add_action": (WRITE, "POST"),
    "enforcement:remove_action": (WRITE, "POST"),
    "enforcement:edit_reason": (WRITE, "POST"),
    "enforcement:retry_action": (WRITE, "POST"),
    "enforcement:accept_drift": (WRITE, "POST"),
    "enforcement:watch_alert_reviewed": (WRITE, "POST"),
    "enforcement:moderator_actions": (STEWARD, "GET"),
    "enforcement:review_moderator_action": (STEWARD, "POST"),
    "spaces:webhook": (HOOK, "POST"),
    "screening:queue": (STEWARD, "GET"),
    "screening:flag": (STEWARD_OBJECT, "GET"),
    "screening:dismiss": (STEWARD_OBJECT, "POST"),
    "screening:act": (STEWARD_OBJECT, "POST"),
    "screening:open_case": (STEWARD_OBJECT, "POST"),
    # Last: it signs the persona out for the rest of the walk.
    "accounts:logout": (FLOW, "POST"),
}


@dataclass
class Persona:
    name: str
    client: Client
    # What this persona may do with the matrix case: None (nothing), or a set of needs.
    needs: frozenset[str]
    steward: bool = False
    admin: bool = False
    link: str | None = None  # REPORTER or PARTY: which secret link this persona holds
    link_ok: bool = False  # the real secret, or a forged one


@dataclass
class World:
    case: Case
    reference: str
    secret: str
    party_token: str
    evidence: Evidence
    personas: list[Persona]


def _steward(username: str, github: str | None = None) -> Any:
    profile = do_create_steward(None, username=username, email=f"{username}@example.org", public_name=username.title(), password=PASSWORD)
    if github:
        do_link_identity(None, profile.person, Space.GITHUB, github)
    return profile.user


@pytest.fixture
def world(stewards: dict[str, Any]) -> World:
    henry, ivan, gina = _steward("henry"), _steward("ivan", "ivan-gh"), _steward("gina")
    checked = check_upload(SimpleUploadedFile("log.txt", FILE_TEXT))
    receipt = do_submit_report(
        Submission(
            body=BODY,
            reporter_name="Rita Reporter",
            reporter_email="rita@example.net",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Ivan", Space.GITHUB, "ivan-gh")],
            excluded_steward_ids=[henry.pk],
            files=[checked],
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    levels = {"dave": ConflictLevel.NONE, "carol": ConflictLevel.SOFT, "bob": ConflictLevel.HARD, "frank": ConflictLevel.NONE}
    for name, level in levels.items():
        do_declare_conflict(stewards[name], case, level)

    def client_for(user: Any = None) -> Client:
        client = Client(REMOTE_ADDR="198.51.100.7")
        if user is not None:
            client.force_login(user)
        return client

    reported = case.parties.get(role=PartyRole.REPORTED)
    party_token = do_create_party_link(stewards["dave"], case, reported).token
    # A decision, so the appeal pages behind both links have something to show.
    do_record_inform(stewards["dave"], case, InformChoice.YES, "No risk in telling them.")
    do_record_response(stewards["dave"], case, reported, ResponseKind.DECLINED)
    proposal = do_propose(stewards["dave"], case, ProposalInput(outcome="correction", target=reported, rationale="One rude remark."))
    do_vote(stewards["dave"], proposal, "yes")
    assert case.decisions.exists()
    everything = frozenset({CODE_NAME, READ, WRITE, VOTE})
    personas = [
        Persona("anonymous visitor", client_for(), frozenset()),
        Persona("reporter link", client_for(), frozenset(), link=REPORTER, link_ok=True),
        Persona("wrong reporter link", client_for(), frozenset(), link=REPORTER),
        Persona("reported person's link", client_for(), frozenset(), link=PARTY, link_ok=True),
        Persona("wrong reported person's link", client_for(), frozenset(), link=PARTY),
        Persona("steward, no declaration", client_for(gina), frozenset({CODE_NAME}), steward=True),
        Persona("steward, no conflict", client_for(stewards["dave"]), everything, steward=True),
        Persona("steward, soft conflict", client_for(stewards["carol"]), frozenset({CODE_NAME, READ, WRITE}), steward=True),
        Persona("steward, hard conflict", client_for(stewards["bob"]), frozenset(), steward=True),
        Persona("steward excluded by reporter", client_for(henry), frozenset(), steward=True),
        Persona("steward who is a party", client_for(ivan), frozenset(), steward=True),
        Persona("deactivated steward", client_for(stewards["frank"]), frozenset()),
        Persona("admin", client_for(stewards["alice"]), frozenset({CODE_NAME}), steward=True, admin=True),
    ]
    evidence = Evidence.objects.get(case=case)
    return World(case, receipt.reference, receipt.secret, party_token, evidence, personas)


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _kwargs_for(pattern: URLPattern, world: World, genuine: bool = True) -> dict[str, Any]:
    """Values for the URL's parameters; `genuine=False` forges the secrets (reversed, same shape)."""
    values: dict[str, Any] = {}
    for key in pattern.pattern.converters:
        if "secret" in key:
            values[key] = world.secret if genuine else world.secret[::-1]
        elif "token" in key:
            values[key] = world.party_token if genuine else world.party_token[::-1]
        elif "reference" in key:
            values[key] = world.reference
        elif "code" in key or key in {"case", "slug"}:
            values[key] = world.case.code_name
        else:
            values[key] = world.evidence.pk
    return values


def _project_urls() -> dict[str, URLPattern]:
    return {name: pattern for name, pattern in _walk(get_resolver().url_patterns) if not name.startswith("admin:")}


def test_every_url_is_classified() -> None:
    unclassified = [name for name in _project_urls() if name not in URLS]
    assert not unclassified, f"classify these URLs in URLS: {unclassified}"


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and reverse("accounts:login") in response["Location"]


def _leaks(response: Any) -> bool:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return BODY.encode() in content or FILE_TEXT in content or b"Rita Reporter" in content


def _request(persona: Persona, method: str, url: str) -> Any:
    return persona.client.post(url, {}) if method == "POST" else persona.client.get(url)


@pytest.mark.django_db
def test_case_urls_as_every_persona(world: World) -> None:
    failures = []
    patterns = _project_urls()
    for name, (rule, method) in URLS.items():
        if rule not in {CODE_NAME, READ, WRITE, VOTE}:
            continue
        url = reverse(name, kwargs=_kwargs_for(patterns[name], world))
        for persona in world.personas:
            response = _request(persona, method, url)
            allowed = rule in persona.needs
            if allowed:
                ok = response.status_code not in (403, 404) and not _is_login_redirect(response)
            elif persona.steward:
                ok = response.status_code == 404 or (rule == READ and CODE_NAME in persona.needs and response.status_code == 302)
            else:
                ok = _is_login_redirect(response) or response.status_code == 404
            if not allowed and _leaks(response):
                ok = False
            if not ok:
                failures.append(f"{persona.name}: {method} {name} -> {response.status_code} (allowed={allowed})")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_non_case_urls_as_every_persona(world: World) -> None:
    failures = []
    patterns = _project_urls()
    for name, (rule, method) in URLS.items():
        if rule in {CODE_NAME, READ, WRITE, VOTE}:
            continue
        for persona in world.personas:
            if rule in (REPORTER, PARTY):
                # Everyone without this link's real secret is tried with a forged one.
                genuine = persona.link == rule and persona.link_ok
                response = _request(persona, method, reverse(name, kwargs=_kwargs_for(patterns[name], world, genuine)))
                if genuine:
                    ok = response.status_code in (200, 302) and (rule == REPORTER or not _leaks(response))
                else:
                    ok = response.status_code == 404 and not _leaks(response)
            else:
                url = reverse(name, kwargs=_kwargs_for(patterns[name], world))
                response = _request(persona, method, url)
                if rule == PUBLIC:
                    ok = response.status_code == 200
                elif rule == HOOK:
                    ok = response.status_code == 404  # no space has this slug: signed in or not, nothing is there
                elif rule == FLOW:
                    ok = response.status_code in (200, 302)
                elif rule == ADMIN and persona.admin:
                    # URLs with an id get the evidence's pk, which names no such object: 404 is fine there.
                    with_id = bool(patterns[name].pattern.converters)
                    ok = response.status_code in (200, 302, 400) or (with_id and response.status_code == 404)
                elif rule == ADMIN and persona.steward:
                    ok = response.status_code == 404
                elif rule == STEWARD_OBJECT and persona.steward:
                    # The id given names no flag this persona may see: the same 404 as for a flag hidden from them.
                    ok = response.status_code == 404
                elif persona.steward:
                    ok = response.status_code == 200 if method == "GET" else response.status_code in (200, 302, 400)
                    ok = ok and not _is_login_redirect(response)
                else:
                    ok = _is_login_redirect(response) or response.status_code == 404
                if _leaks(response):
                    ok = False
            if not ok:
                failures.append(f"{persona.name}: {method} {name} -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_queue_and_search_hide_the_case_from_everyone_without_access(world: World) -> None:
    for persona in world.personas:
        if not persona.steward:
            continue
        queries = (
            "",
            f"?q={world.case.code_name}",
            "?q=ivan-gh",
            "?view=all",
            "?view=new",
            "?view=unacknowledged",
            "?view=overdue",
            "?view=enforcement",
            "?view=no-contact",
        )
        for query in queries:
            content = persona.client.get(reverse("cases:queue") + query).content.decode()
            if not persona.needs:
                assert world.case.code_name not in content, f"{persona.name} sees the case in {query or 'the queue'}"
            assert BODY not in content


@pytest.mark.django_db
def test_admin_site_only_for_admin_stewards(world: World) -> None:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    for persona in world.personas:
        for url in urls:
            response = persona.client.get(url)
            if persona.admin:
                assert response.status_code == 200, (persona.name, url)
            else:
                assert response.status_code in (302, 403, 404), (persona.name, url, response.status_code)
                assert not _leaks(response)
