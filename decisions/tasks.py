"""Background work for decisions. Tasks take ids and are idempotent."""

from django.tasks import task

from decisions.actions import settle
from decisions.models import Proposal


@task
def settle_proposal(proposal_id: int) -> str:
    """At a lazy-consensus proposal's objection deadline: pass it unless someone objected.

    Running it twice, early, or for a proposal that is gone or already closed changes nothing more.
    """
    proposal = Proposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        return "gone"
    return settle(proposal)
