"""Every page a steward, a reporter and a reported person use, over the demo community (cases in every state, a
decision with a sanction and its enforcement plan, screening flags), plus a reporter's and a reported person's links
with messages in them. The zone test (test_times_show_their_zone.py) reads them with Django's client, the phone test
(test_browser_small_screens.py) in Chromium at 390 px.

A link page is reached the way its holder reaches it: the secret link opens a session, then the page is read.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from cases.actions import do_declare_conflict, do_send_message
from cases.models import Audience, Case, ConflictLevel, PartyRole, Status
from intake.actions import Submission, do_submit_report
from letters.actions import do_create_party_link, do_party_reply
from policy.services import current_policy
from privacy.actions import do_open_data_request
from screening.models import Flag
from steward.demo import load_demo
from transparency.models import ReportStatus, TransparencyReport


@dataclass
class LinkHolder:
    entry: str  # the secret link, as mailed
    pages: list[str] = field(default_factory=list)  # what they read once it has opened their session


@dataclass
class Walk:
    steward: User  # declared on every case: sees every panel (decisions, letters, enforcement, clocks)
    newcomer: User  # declared on nothing yet: the declare pages
    steward_pages: list[str]
    newcomer_pages: list[str]
    reporter: LinkHolder
    reported: LinkHolder
    public_pages: list[str]


def build_walk() -> Walk:
    stewards = {user.username: user for user in load_demo()}
    amara, emil = stewards["amara"], stewards["emil"]

    receipt = do_submit_report(Submission(body="He keeps mocking my accent in the weekly call.", reporter_email="rae@example.net"))
    followed = Case.objects.get(code_name=receipt.case_code_name)
    do_declare_conflict(amara, followed, ConflictLevel.NONE)
    do_send_message(amara, followed, Audience.REPORTER, "We have read your report.", report=followed.reports.get())

    decided = Case.objects.filter(status=Status.DECIDED, decisions__sanctions__level="temporary-ban").distinct().get()
    reported = decided.parties.get(role=PartyRole.REPORTED)
    new = do_create_party_link(amara, decided, reported)
    do_party_reply(new.link, "I would like to explain what happened.")

    cases = list(Case.objects.order_by("pk"))
    flags = list(Flag.objects.order_by("pk")[:3])
    data_request = do_open_data_request(amara, reported.person)
    published = TransparencyReport.objects.filter(status=ReportStatus.SIGNED_OFF).order_by("period").first()
    assert published is not None, "the demo publishes a transparency report"
    space = current_policy().spaces[0].code
    undeclared = next(case for case in cases if not case.declarations.filter(steward=emil).exists())
    return Walk(
        steward=amara,
        newcomer=emil,
        steward_pages=[
            "/my-work/",
            "/cases/",
            f"/cases/?space={space}&opened_after=2020-01-01",
            *(f"/cases/{case.code_name}/" for case in cases),
            "/screening/flags/",
            *(f"/screening/flags/{flag.pk}/" for flag in flags),
            "/enforcement/review/moderator-actions/",
            "/privacy/requests/",
            f"/privacy/requests/{data_request.pk}/",
            "/report/on-behalf/",
            "/accounts/security/",
            "/accounts/security/two-factor/",
            "/transparency/drafts/",
            f"/transparency/drafts/{published.period}/",
            "/surveys/",
        ],
        newcomer_pages=["/cases/", f"/cases/{undeclared.code_name}/declare/"],
        reporter=LinkHolder(f"/follow-up/{receipt.reference}/{receipt.secret}/", [f"/follow-up/{receipt.reference}/"]),
        reported=LinkHolder(f"/party/{new.token}/", [f"/party/open/{new.link.pk}/", f"/party/open/{new.link.pk}/appeal/"]),
        public_pages=[
            "/",
            "/code-of-conduct/",
            "/how-to-report/",
            "/what-happens-next/",
            "/report/",
            "/follow-up/",
            "/accounts/login/",
            f"/how-to-report/{space}/",
            "/transparency/",
            f"/transparency/{published.period}/",
        ],
    )
