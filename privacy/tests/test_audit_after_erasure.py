"""The audit log outlives erasure (it is append-only), so it must never hold anything personal or
linkable: after a whole case lifecycle and its erasure, no event names the report reference, the
reporter, an e-mail address, a handle, a message or note, or an evidence file's hash."""

from typing import Any

import pytest
from aiosmtpd.controller import Controller

from audit.log import verify_chain
from audit.models import Event
from cases.actions import (
    InvolvedPerson,
    do_acknowledge,
    do_add_note,
    do_add_party,
    do_change_status,
    do_declare_conflict,
    do_reporter_reply,
    do_send_message,
    log_evidence_download,
    log_identity_view,
)
from cases.models import Audience, Evidence, PartyRole, Report
from clocks.actions import do_review_interim_measure, do_take_interim_measure
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import Decision, InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from decisions.tests.conftest import propose, reported, votes
from letters.models import OutgoingMail
from letters.outbox import deliver_mail
from letters.tests.conftest import free_port, point_mail_at
from people.models import Space
from privacy.erasure import erase_case
from privacy.tests.conftest import REPORTED_HANDLE, REPORTER_EMAIL, REPORTER_NAME, WITNESS_HANDLE, WITNESS_NAME

NOTE = "Rita Quietreporter called again about morgan-reported-gh"
MESSAGE = "Dear Rita, could you tell us more about the hallway track?"
REPLY = "PLAINTEXT-REPLY it was the second day"


class EchoingRefusal:
    """An SMTP server that refuses the recipient and quotes the address back, in capitals."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return f"550 5.1.1 <{address.upper()}>: no such user (also tried {address.title()})"


@pytest.mark.django_db
def test_after_a_full_lifecycle_and_erasure_no_event_holds_personal_data(make_case, stewards, settings) -> None:
    case = make_case()
    for name in ("alice", "bob", "carol", "erin"):
        do_declare_conflict(stewards[name], case, "none")
    report = Report.objects.get(case=case)
    evidence = Evidence.objects.get(case=case)
    reference, digest = report.reference, evidence.sha256

    do_acknowledge(stewards["dave"], case)
    log_identity_view(stewards["dave"], case, report)
    log_evidence_download(stewards["dave"], case, evidence)
    do_add_note(stewards["dave"], case, NOTE)
    do_add_party(stewards["dave"], case, InvolvedPerson(PartyRole.WITNESS, "Another Witness", Space.GITHUB, "another-witness-gh"))

    # A letter to the reporter that the server refuses, quoting the address in another letter case.
    controller = Controller(EchoingRefusal(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        point_mail_at(settings, controller.port)
        do_send_message(stewards["dave"], case, Audience.REPORTER, MESSAGE, report=report)
        assert deliver_mail.call(OutgoingMail.objects.get(case=case).pk) == "failed"
    finally:
        controller.stop()
    assert REPORTER_EMAIL not in OutgoingMail.objects.get(case=case).last_error.lower()
    do_reporter_reply(report, REPLY, [])

    measure = do_take_interim_measure(stewards["dave"], case, f"Muted {REPORTED_HANDLE} in the chat")
    do_review_interim_measure(stewards["bob"], case, measure, "confirmed", f"Right call; {REPORTER_NAME} is safe")

    do_record_inform(stewards["alice"], case, InformChoice.YES, f"{REPORTER_NAME} agrees")
    do_record_response(stewards["alice"], case, reported(case), ResponseKind.RESPONSE, "Morgan says sorry to Rita")
    proposal = propose(case, stewards["alice"], rationale=f"{REPORTER_NAME} was hurt")
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    decision = Decision.objects.get(case=case)
    appeal = do_file_appeal(decision, "reported", ["disproportionate"], f"{REPORTER_NAME} exaggerates")
    do_decide_appeal(stewards["erin"], appeal, "upheld", f"Upheld; {REPORTER_NAME}'s account is consistent")

    case.refresh_from_db()
    do_change_status(stewards["dave"], case, "closed")
    assert erase_case(case.pk)

    events = list(Event.objects.all())
    assert {"report.received", "evidence.added", "evidence.viewed", "identity.viewed", "mail.failed", "case.erased"} <= {
        event.kind for event in events
    }
    needles = [reference, REPORTER_NAME, REPORTER_EMAIL, WITNESS_NAME, WITNESS_HANDLE, REPORTED_HANDLE, "another-witness-gh", digest]
    needles += [NOTE, MESSAGE, REPLY, "Morgan Reported", "Another Witness"]
    found = {
        needle: [f"#{event.pk} {event.kind}" for event in events if needle.casefold() in f"{event.summary} {event.data}".casefold()]
        for needle in needles
    }
    assert {needle: hits for needle, hits in found.items() if hits} == {}
    assert verify_chain().ok
