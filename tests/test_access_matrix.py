"""Every URL the project defines, as every kind of user: each gets exactly what it should.

The walk starts from the URL resolver, so a new URL that is not classified here fails the test
(`test_every_url_is_classified`) until someone decides who may use it.

Case URLs are walked for two cases: the matrix case, and a case another case was joined into
(merged). The joined case's old code name is walked too: it leads its target's readers to the
target (GET pages only) and is a 404 for everyone else.
"""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.actions import InvolvedPerson, do_declare_conflict, do_merge_cases, do_update_triage
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
from policy.periods import period_of
from privacy.actions import do_open_data_request
from tests.access_world import CaseUnderTest, Persona, World
from transparency.actions import SignOff, do_draft_report, do_sign_off

BODY = "MATRIX-REPORT-BODY the reviewer called me names"
FILE_TEXT = b"MATRIX-EVIDENCE-FILE chat log"
JOINED_BODY = "JOINED-REPORT-BODY he kept messaging me"
JOINED_FILE = b"JOINED-EVIDENCE-FILE screenshot"
MATRIX_PERIOD = period_of(date.today(), 6).previous().label  # the transparency report the world publishes

PUBLIC = "public"
STEWARD = "steward"  # any active steward; no case content
REPORTER = "reporter"  # needs the reporter's follow-up link
PARTY = "party"  # needs the reported person's link (letters.PartyLink)
# A page without the secret, for a browser the link opened (steward.link_sessions): the link's holder only.
REPORTER_OPENED = "reporter-opened"
PARTY_OPENED = "party-opened"
OPENED_BY = {REPORTER_OPENED: (REPORTER, "intake:follow_up"), PARTY_OPENED: (PARTY, "letters:party_portal")}
ADMIN = "admin"
FLOW = "flow"  # a step of signing in or out: only ever redirects or asks for input, never shows data
STEWARD_OBJECT = "steward-object"  # any active steward, about one object named by id (a flag): 404 when it is not theirs to see
HOOK = "hook"  # a platform's webhook: no session counts; only a configured space's genuine signature does
CODE_NAME, READ, WRITE, IDENTITY, DECIDE, VOTE = "code_name", "read", "write", "identity", "decide", "vote"
ADMIN_CODE_NAME = "admin-code-name"  # an admin steward who may know the case exists (correcting declarations)
EVERYTHING = frozenset({CODE_NAME, READ, WRITE, IDENTITY, DECIDE, VOTE})
CASE_RULES = {*EVERYTHING, ADMIN_CODE_NAME}
# GET pages that lead a reader of the target there from the joined case's old name.
FOLLOWS_A_JOIN = {"cases:detail", "cases:declare", "cases:evidence_download"}

# name -> (rule, method). Case rules name the access layer's Need.
URLS: dict[str, tuple[str, str]] = {
    "health": (PUBLIC, "GET"),  # load balancers and monitors: the heartbeat and task counts only, never case data
    "policy:home": (PUBLIC, "GET"),
    "policy:code_of_conduct": (PUBLIC, "GET"),
    "policy:how_to_report": (PUBLIC, "GET"),
    "policy:what_happens_next": (PUBLIC, "GET"),
    "policy:stewards": (PUBLIC, "GET"),
    "policy:space_note": (PUBLIC, "GET"),  # a space's "how to report" note: the policy's public texts only
    "policy:space_badge": (PUBLIC, "GET"),
    "intake:report": (PUBLIC, "GET"),
    "intake:follow_up_start": (PUBLIC, "GET"),
    "intake:follow_up": (REPORTER, "GET"),
    "intake:follow_up_page": (REPORTER_OPENED, "GET"),
    "intake:follow_up_leave": (FLOW, "POST"),  # closes the page in this browser, whoever asks
    "intake:report_on_behalf": (STEWARD, "GET"),
    "accounts:login": (PUBLIC, "GET"),
    "set_language": (FLOW, "POST"),
    "accounts:verify": (FLOW, "GET"),
    "accounts:security": (STEWARD, "GET"),
    "accounts:totp_setup": (STEWARD, "GET"),
    "accounts:totp_remove": (STEWARD, "POST"),
    "accounts:password_change": (STEWARD, "POST"),
    "accounts:new_report_mail": (STEWARD, "POST"),
    "cases:queue": (STEWARD, "GET"),
    "mywork:home": (STEWARD, "GET"),  # each item through cases.access: hard-conflicted cases leave no trace
    "cases:declare": (CODE_NAME, "GET"),
    "cases:recuse": (CODE_NAME, "POST"),
    "cases:correct_declarations": (ADMIN_CODE_NAME, "GET"),
    "cases:detail": (READ, "GET"),
    "cases:reveal_identity": (IDENTITY, "POST"),
    "cases:evidence_download": (READ, "GET"),
    "cases:add_note": (WRITE, "POST"),
    "cases:send_message": (WRITE, "POST"),
    "cases:update_triage": (DECIDE, "POST"),
    "cases:assign_shepherd": (DECIDE, "POST"),
    "cases:acknowledge": (WRITE, "POST"),
    "cases:change_status": (DECIDE, "POST"),
    "cases:add_party": (WRITE, "POST"),
    "cases:record_naming_consent": (WRITE, "POST"),
    "cases:add_evidence": (WRITE, "POST"),
    "cases:merge": (DECIDE, "POST"),
    "cases:set_soft_read": (VOTE, "POST"),
    "letters:party_portal": (PARTY, "GET"),
    "letters:party_page": (PARTY_OPENED, "GET"),
    "letters:party_leave": (FLOW, "POST"),
    "letters:compose": (WRITE, "GET"),
    "letters:create_party_link": (WRITE, "POST"),
    "letters:revoke_party_link": (WRITE, "POST"),
    "letters:edit_draft": (WRITE, "POST"),
    "letters:withdraw_draft": (WRITE, "POST"),
    "letters:approve_message": (DECIDE, "POST"),
    "decisions:propose": (DECIDE, "POST"),
    "decisions:vote": (VOTE, "POST"),
    "decisions:withdraw": (DECIDE, "POST"),
    "decisions:record_inform": (DECIDE, "POST"),
    "decisions:record_response": (WRITE, "POST"),
    "decisions:decide_appeal": (VOTE, "POST"),
    "decisions:appeal_reporter": (REPORTER, "GET"),
    "decisions:appeal_reported": (PARTY, "GET"),
    "decisions:appeal_reporter_page": (REPORTER_OPENED, "GET"),
    "decisions:appeal_reported_page": (PARTY_OPENED, "GET"),
    "surveys:reporter_survey": (REPORTER_OPENED, "GET"),
    "surveys:reported_survey": (PARTY_OPENED, "GET"),
    "surveys:results": (STEWARD, "GET"),  # aggregate figures over all cases, small counts hidden; nothing per case
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
    "enforcement:approve_plan": (DECIDE, "POST"),
    "enforcement:record_notice": (DECIDE, "POST"),
    "enforcement:cancel_plan": (DECIDE, "POST"),
    "enforcement:add_action": (DECIDE, "POST"),
    "enforcement:remove_action": (DECIDE, "POST"),
    "enforcement:edit_reason": (DECIDE, "POST"),
    "enforcement:retry_action": (DECIDE, "POST"),
    "enforcement:accept_drift": (DECIDE, "POST"),
    "enforcement:watch_alert_reviewed": (WRITE, "POST"),
    "enforcement:moderator_actions": (STEWARD, "GET"),
    "enforcement:review_moderator_action": (STEWARD, "POST"),
    "spaces:webhook": (HOOK, "POST"),
    "screening:queue": (STEWARD, "GET"),
    "screening:flag": (STEWARD_OBJECT, "GET"),
    "screening:dismiss": (STEWARD_OBJECT, "POST"),
    "screening:act": (STEWARD_OBJECT, "POST"),
    "screening:open_case": (STEWARD_OBJECT, "POST"),
    "screening:thresholds": (ADMIN, "GET"),  # the cut per category and kind: counts over flags, never an item
    "screening:threshold": (ADMIN, "GET"),
    "screening:set_threshold": (ADMIN, "POST"),
    # Published reports are public (the matrix publishes one for MATRIX_PERIOD); drafts are any steward's work:
    # anonymous, already suppressed figures, no case named.
    "transparency:index": (PUBLIC, "GET"),
    "transparency:feed": (PUBLIC, "GET"),
    "transparency:report": (PUBLIC, "GET"),
    "transparency:report_csv": (PUBLIC, "GET"),
    "transparency:report_json": (PUBLIC, "GET"),
    "transparency:drafts": (STEWARD, "GET"),
    "transparency:create_draft": (STEWARD, "POST"),
    "transparency:draft": (STEWARD, "GET"),
    "transparency:recompute": (STEWARD, "POST"),
    "transparency:edit_summary": (STEWARD, "POST"),
    "transparency:sign_off": (STEWARD, "POST"),
    # Last: it signs the persona out for the rest of the walk.
    "accounts:logout": (FLOW, "POST"),
}


def _steward(username: str, github: str | None = None) -> Any:
    profile = do_create_steward(None, username=username, email=f"{username}@example.org", public_name=username.title(), password=PASSWORD)
    if github:
        do_link_identity(None, profile.person, Space.GITHUB, github)
    return profile.user


def _joined_pair(stewards: dict[str, Any], henry: Any, ivan: Any) -> tuple[CaseUnderTest, CaseUnderTest]:
    """Case J joined into case T. Each steward below read T freely and was kept from J somehow (a hard
    conflict, the reporter's exclusion, being a party, or a soft conflict on a case closed to soft
    readers): after the join, T must keep them out just as J did."""
    target = Case.objects.get(code_name=do_submit_report(Submission(body="TARGET-REPORT-BODY rude review")).case_code_name)
    receipt = do_submit_report(
        Submission(
            body=JOINED_BODY,
            reporter_name="Jo Joined",
            reporter_email="jo@example.net",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Ivan", Space.GITHUB, "ivan-gh")],
            excluded_steward_ids=[henry.pk],
            files=[check_upload(SimpleUploadedFile("joined.txt", JOINED_FILE))],
        )
    )
    joined = Case.objects.get(code_name=receipt.case_code_name)
    on_target = {"dave": "none", "carol": "soft", "erin": "none", "bob": "none", "alice": "none", "frank": "none"}
    on_joined = {"dave": "none", "carol": "soft", "erin": "soft", "bob": "hard", "alice": "hard"}
    for name, level in on_target.items():
        do_declare_conflict(stewards[name], target, level)
    for user in (henry, ivan):
        do_declare_conflict(user, target, ConflictLevel.NONE)
    for name, level in on_joined.items():
        do_declare_conflict(stewards[name], joined, level)
    do_update_triage(stewards["dave"], joined, {"soft_conflicted_may_read": False})
    evidence = Evidence.objects.get(case=joined)
    do_merge_cases(stewards["dave"], target, joined)
    return (
        CaseUnderTest(target.code_name, receipt.reference, evidence.pk),
        CaseUnderTest(joined.code_name, receipt.reference, evidence.pk),
    )


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
    levels = {
        "dave": ConflictLevel.NONE,
        "carol": ConflictLevel.SOFT,
        "bob": ConflictLevel.HARD,
        "alice": ConflictLevel.HARD,
        "frank": ConflictLevel.NONE,
    }
    for name, level in levels.items():
        do_declare_conflict(stewards[name], case, level)

    def client_for(user: Any = None) -> Client:
        client = Client(REMOTE_ADDR="198.51.100.7")
        if user is not None:
            client.force_login(user)
        return client

    reported = case.parties.get(role=PartyRole.REPORTED)
    party_link = do_create_party_link(stewards["dave"], case, reported)
    # A decision, so the appeal pages behind both links have something to show.
    do_record_inform(stewards["dave"], case, InformChoice.YES, "No risk in telling them.")
    do_record_response(stewards["dave"], case, reported, ResponseKind.DECLINED)
    proposal = do_propose(stewards["dave"], case, ProposalInput(outcome="correction", target=reported, rationale="One rude remark."))
    do_vote(stewards["dave"], proposal, "yes")
    assert case.decisions.exists()
    target, joined = _joined_pair(stewards, henry, ivan)
    code_name_only = frozenset({CODE_NAME})
    soft_read = frozenset({CODE_NAME, READ, WRITE})
    personas = [
        Persona("anonymous visitor", client_for(), frozenset()),
        Persona("reporter link", client_for(), frozenset(), link=REPORTER, link_ok=True),
        Persona("wrong reporter link", client_for(), frozenset(), link=REPORTER),
        Persona("reported person's link", client_for(), frozenset(), link=PARTY, link_ok=True),
        Persona("wrong reported person's link", client_for(), frozenset(), link=PARTY),
        Persona("steward, no declaration", client_for(gina), code_name_only, steward=True, needs_on_joined=code_name_only),
        Persona("steward, no conflict", client_for(stewards["dave"]), EVERYTHING, steward=True, needs_on_joined=EVERYTHING),
        # Soft on both: reads the matrix case; the joined case was closed to soft readers, so the result is too.
        Persona("steward, soft conflict", client_for(stewards["carol"]), soft_read, steward=True, needs_on_joined=code_name_only),
        # No conflict on the target, soft on the case joined into it (closed to soft readers): soft-blocked.
        Persona(
            "steward, soft conflict on the joined case",
            client_for(stewards["erin"]),
            code_name_only,
            steward=True,
            needs_on_joined=code_name_only,
        ),
        # Hard on the matrix case; no conflict on the target but hard on the case joined into it.
        Persona("steward, hard conflict", client_for(stewards["bob"]), frozenset(), steward=True),
        Persona("steward excluded by reporter", client_for(henry), frozenset(), steward=True),
        Persona("steward who is a party", client_for(ivan), frozenset(), steward=True),
        Persona("deactivated steward", client_for(stewards["frank"]), frozenset()),
        Persona("admin, hard conflict", client_for(stewards["alice"]), frozenset(), steward=True, admin=True),
    ]
    evidence = Evidence.objects.get(case=case)
    report = do_draft_report(stewards["dave"], MATRIX_PERIOD)
    do_sign_off(stewards["erin"], report, SignOff(revision=report.revision))
    return World(case, receipt.reference, receipt.secret, party_link.token, party_link.link.pk, evidence, personas, target, joined)


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _kwargs_for(pattern: URLPattern, world: World, genuine: bool = True, case: CaseUnderTest | None = None) -> dict[str, Any]:
    """Values for the URL's parameters; `genuine=False` forges the secrets (reversed, same shape)."""
    case = case or world.main
    values: dict[str, Any] = {}
    for key in pattern.pattern.converters:
        if key == "period":
            values[key] = MATRIX_PERIOD
        elif "secret" in key:
            values[key] = world.secret if genuine else world.secret[::-1]
        elif "token" in key:
            values[key] = world.party_token if genuine else world.party_token[::-1]
        elif key == "link":
            values[key] = world.party_link_id
        elif key == "space":
            values[key] = "github"  # a space of the policy (policy.embed)
        elif key in ("category", "kind"):  # a category and kind the shipped model scores (screening.thresholds)
            values[key] = {"category": "trolling-insults", "kind": "issue_comment"}[key]
        elif "reference" in key:
            values[key] = case.reference
        elif "code" in key or key in {"case", "slug"}:
            values[key] = case.code_name
        else:
            values[key] = case.evidence_pk
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
    planted = (BODY.encode(), FILE_TEXT, b"Rita Reporter", JOINED_BODY.encode(), JOINED_FILE, b"Jo Joined", b"jo@example.net")
    return any(secret in content for secret in planted)


def _request(persona: Persona, method: str, url: str) -> Any:
    return persona.client.post(url, {}) if method == "POST" else persona.client.get(url)


def _case_url_failures(world: World, case: CaseUnderTest, needs_of: Any) -> list[str]:
    failures = []
    patterns = _project_urls()
    for name, (rule, method) in URLS.items():
        if rule not in CASE_RULES:
            continue
        url = reverse(name, kwargs=_kwargs_for(patterns[name], world, case=case))
        for persona in world.personas:
            needs = needs_of(persona)
            response = _request(persona, method, url)
            allowed = (persona.admin and CODE_NAME in needs) if rule == ADMIN_CODE_NAME else rule in needs
            if allowed:
                ok = response.status_code not in (403, 404) and not _is_login_redirect(response)
            elif persona.steward:
                ok = response.status_code == 404 or (rule == READ and CODE_NAME in needs and response.status_code == 302)
            else:
                ok = _is_login_redirect(response) or response.status_code == 404
            if not allowed and _leaks(response):
                ok = False
            if not ok:
                failures.append(f"{persona.name}: {method} {name} on {case.code_name} -> {response.status_code} (allowed={allowed})")
    return failures


@pytest.mark.django_db
def test_case_urls_as_every_persona(world: World) -> None:
    failures = _case_url_failures(world, world.main, lambda persona: persona.needs)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_urls_of_a_case_another_was_joined_into_as_every_persona(world: World) -> None:
    """Whoever was kept from the joined case (hard conflict, excluded, a party, soft on a case closed to
    soft readers) is kept from the case it joined: 404 on every URL, nothing of either report shown."""
    failures = _case_url_failures(world, world.target, lambda persona: persona.needs_on_joined)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_urls_of_the_joined_cases_old_name_as_every_persona(world: World) -> None:
    """The old name leads a reader of the target there (GET pages only); for everyone else it is the same
    404 as a name that never existed, so it reveals neither the join nor the target."""
    failures = []
    patterns = _project_urls()
    for name, (rule, method) in URLS.items():
        if rule not in CASE_RULES:
            continue
        url = reverse(name, kwargs=_kwargs_for(patterns[name], world, case=world.joined))
        for persona in world.personas:
            response = _request(persona, method, url)
            reads_target = READ in persona.needs_on_joined
            if reads_target and name in FOLLOWS_A_JOIN:
                target_url = reverse(name, kwargs=_kwargs_for(patterns[name], world, case=world.target))
                expected = reverse("cases:detail", kwargs={"code": world.target.code_name}) if name == "cases:declare" else target_url
                ok = response.status_code == 302 and response["Location"] == expected
            elif persona.steward or reads_target:
                ok = response.status_code == 404
            else:
                ok = _is_login_redirect(response) or response.status_code == 404
            content = b"" if response.streaming else response.content
            if _leaks(response) or (not reads_target and world.target.code_name.encode() in content):
                ok = False
            if not ok:
                failures.append(f"{persona.name}: {method} {name} on the old name -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_non_case_urls_as_every_persona(world: World) -> None:
    failures = []
    patterns = _project_urls()
    for name, (rule, method) in URLS.items():
        if rule in CASE_RULES:
            continue
        for persona in world.personas:
            if rule in (REPORTER, PARTY):
                # Everyone without this link's real secret is tried with a forged one.
                genuine = persona.link == rule and persona.link_ok
                response = _request(persona, method, reverse(name, kwargs=_kwargs_for(patterns[name], world, genuine)))
                if genuine:
                    # The link opens the page in this browser and leads there (303).
                    ok = response.status_code in (200, 302, 303) and (rule == REPORTER or not _leaks(response))
                else:
                    ok = response.status_code == 404 and not _leaks(response)
            elif rule in OPENED_BY:
                # The link's holders open it first (the real one, or a forged one); only the real one opens the page.
                link_rule, opener = OPENED_BY[rule]
                genuine = persona.link == link_rule and persona.link_ok
                if persona.link == link_rule:
                    persona.client.get(reverse(opener, kwargs=_kwargs_for(patterns[opener], world, persona.link_ok)))
                response = _request(persona, method, reverse(name, kwargs=_kwargs_for(patterns[name], world)))
                if genuine:
                    ok = response.status_code == 200 and (link_rule == REPORTER or not _leaks(response))
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
                    ok = response.status_code in (200, 302, 303)
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
    joined_names = (world.target.code_name, world.joined.code_name)
    for persona in world.personas:
        if not persona.steward:
            continue
        queries = (
            "",
            f"?q={world.case.code_name}",
            f"?q={world.target.code_name}",
            f"?q={world.joined.code_name}",
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
            if not persona.needs_on_joined:
                for code_name in joined_names:
                    assert code_name not in content, f"{persona.name} sees {code_name} in {query or 'the queue'}"
            # The old name is listed nowhere: the case it joined is listed under its own name.
            assert f"/cases/{world.joined.code_name}/" not in content
            assert BODY not in content and JOINED_BODY not in content


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


def test_the_data_subject_export_as_every_steward_made_admin(world: World, stewards: dict[str, Any]) -> None:
    """An admin is not above a conflict: each steward persona, made an admin, exports the reported person's
    data with the report text. The text of a case is in it exactly when the persona may read that case;
    reporters' identities never are; the reported person cannot export their own (ivan)."""
    person = world.case.parties.get(role=PartyRole.REPORTED).person
    request = do_open_data_request(stewards["dave"], person)
    url = reverse("privacy:request_export", kwargs={"pk": request.pk}) + "?report_text=1"
    failures = []
    for persona in world.personas:
        if not persona.steward:
            continue
        profile = User.objects.get(pk=persona.client.session["_auth_user_id"]).steward_profile
        was_admin, profile.is_admin = profile.is_admin, True
        profile.save(update_fields=["is_admin"])
        response = persona.client.get(url)
        content = response.content.decode() if response.status_code == 200 else ""
        # The words after the marker: the marker "JOINED-…" holds a part of the joined case's reporter's name
        # ("Jo Joined"), which redaction rightly takes out.
        expected = {BODY.split(" ", 1)[1]: READ in persona.needs, JOINED_BODY.split(" ", 1)[1]: READ in persona.needs_on_joined}
        for body, readable in expected.items():
            if (body in content) != readable:
                failures.append(f"{persona.name}: {body[:20]!r} in export is {body in content}, may read: {readable}")
        if any(identity in content for identity in ("Rita Reporter", "rita@example.net", "Jo Joined", "jo@example.net")):
            failures.append(f"{persona.name}: a reporter's identity is in the export")
        if person.pk == profile.person_id and response.status_code == 200:
            failures.append(f"{persona.name}: exported their own data-subject request")
        profile.is_admin = was_admin
        profile.save(update_fields=["is_admin"])
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_every_page_answers_head_as_it_answers_get(world: World) -> None:
    """HEAD is GET without the body (RFC 9110): monitors, link checkers and proxies probe pages with it. Every
    GET URL, as every persona, answers HEAD with GET's status and redirect; Django's require_GET would say 405."""
    failures = []
    patterns = _project_urls()
    for name, (_rule, method) in URLS.items():
        if method != "GET":
            continue
        url = reverse(name, kwargs=_kwargs_for(patterns[name], world))
        for persona in world.personas:
            head, get = persona.client.head(url), persona.client.get(url)
            if (head.status_code, head.get("Location")) != (get.status_code, get.get("Location")) or head.content:
                failures.append(f"{persona.name}: HEAD {name} -> {head.status_code}, GET -> {get.status_code}")
    assert not failures, "\n".join(failures)
