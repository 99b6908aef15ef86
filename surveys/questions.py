"""The closing survey's questions (REQUIREMENTS 12.4): a few statements, each answered on a five-point scale.

There is deliberately no free-text question: a comment can name people or describe the incident, and an
answer must never be traceable to its case. The codes are model fields and keys of the published results;
never rename one that has answers.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' name for a lazy translated string


@dataclass(frozen=True)
class Question:
    code: str
    statement: "_StrPromise"


QUESTIONS = (
    Question("fair", _("The process was fair.")),
    Question("timely", _("The stewards dealt with it in a reasonable time.")),
    Question("heard", _("I felt heard.")),
    Question("safe", _("I felt safe taking part.")),
)
QUESTION_CODES = tuple(question.code for question in QUESTIONS)

# 1 = strongly disagree … 5 = strongly agree; no answer (None) is "prefer not to say".
SCALE = (
    (1, _("Strongly disagree")),
    (2, _("Disagree")),
    (3, _("Neither agree nor disagree")),
    (4, _("Agree")),
    (5, _("Strongly agree")),
)

# How the published results group the scale: small categories suppress fewer cells than five would.
BANDS = {"disagree": (1, 2), "neutral": (3,), "agree": (4, 5)}

# An invitation can be answered for this long after the case closed. A period's results are final (and are
# shown) only once every case closed in it is past this window, so watching them cannot reveal one late answer.
ANSWER_WINDOW_DAYS = 60
