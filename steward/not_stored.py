"""What a reporter, a reported person or an appellant wrote is never lost to a server error.

The views that store such words call their action inside `try`. Besides the refusals the form shows anyway
(ValidationError), any other failure while storing (a missing or wrong key, a database error, a full disk, an
audit key that cannot sign) comes here: it is logged with its traceback for the operator, the form gets a message
that says nothing was stored and what to do, and the view shows the form again, bound to what was posted, with
503. The actions store in one transaction (evidence_transaction also removes the files it wrote), so a failure
leaves nothing half-stored: sending again cannot make a duplicate.
"""

import logging

from django import forms
from django.utils.translation import gettext as _

logger = logging.getLogger("steward.not_stored")

NOT_STORED_STATUS = 503


def not_stored(form: forms.Form, what: str) -> int:
    """Call from an `except` block: log the failure, tell the person on the form; the status to answer with."""
    # The traceback goes to the operator's log, never to the page; `what` names the kind of text, not its content.
    logger.exception("Storing %s failed; the form was shown again with everything that was typed", what)
    form.add_error(
        None,
        _(
            "Because of a problem on our side, what you wrote could not be stored. Nothing was saved, and everything "
            "you typed is still here: please send it again in a few minutes. The problem has been logged for the "
            "people who run this site."
        ),
    )
    return NOT_STORED_STATUS
