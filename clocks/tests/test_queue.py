"""The queue shows overdue clocks and unreviewed interim measures, and has an "Overdue" tab."""

import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from cases.actions import do_acknowledge, do_declare_conflict
from cases.models import Case, ConflictLevel
from intake.actions import Submission, do_submit_report

ROW = re.compile(r'<a href="/cases/([a-z0-9-]+)/">')


def _case(stewards) -> Case:
    case = Case.objects.get(code_name=do_submit_report(Submission(body="x")).case_code_name)
    do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
    return case


def test_overdue_tab_and_badge(stewards, client):
    late, on_time = _case(stewards), _case(stewards)
    do_acknowledge(stewards["dave"], on_time)
    client.force_login(stewards["dave"])
    with time_machine.travel(timezone.now() + timedelta(hours=30)):
        client.force_login(stewards["dave"])
        html = client.get(reverse("cases:queue") + "?view=overdue").content.decode()
        assert ROW.findall(html) == [late.code_name]
        assert html.count('<span class="badge high">Overdue</span>') == 1
        everything = client.get(reverse("cases:queue")).content.decode()
        assert set(ROW.findall(everything)) == {late.code_name, on_time.code_name}
    early = client.get(reverse("cases:queue") + "?view=overdue").content.decode()
    assert ROW.findall(early) == []
