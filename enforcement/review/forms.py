"""Forms for the review of what came in from the spaces. They only parse; enforcement.moderation and
enforcement.review.actions make the changes."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import Plain
from enforcement.moderation import OPEN_CASE, STANDS, UNDO

REVIEW_CHOICES = [
    (STANDS, _lazy("It stands: the moderator's action was right")),
    (UNDO, _lazy("It should be undone (say why and how below)")),
    (OPEN_CASE, _lazy("Open a case about the affected person")),
]
# A member found on a trusted community's ban list: nothing was done to them, so there is nothing to undo.
LISTING_CHOICES = [
    (STANDS, _lazy("Noted: nothing to do here for now")),
    (OPEN_CASE, _lazy("Open a case about this person")),
]


class ModeratorReviewForm(Plain):
    id_prefix = "moderation"

    action = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_lazy("Your review"), choices=REVIEW_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, action_id: int | None = None, listing: bool = False, **kwargs: Any) -> None:
        if action_id is not None:
            # One form per action on the page: ids must not clash.
            self.id_prefix = f"moderation-{action_id}"
            kwargs.setdefault("initial", {})["action"] = action_id
        super().__init__(*args, **kwargs)
        if listing:
            self.fields["outcome"].choices = LISTING_CHOICES  # type: ignore[attr-defined]


class WatchReviewedForm(Plain):
    id_prefix = "watch"

    alert = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, alert_id: int | None = None, **kwargs: Any) -> None:
        if alert_id is not None:
            self.id_prefix = f"watch-{alert_id}"
            kwargs.setdefault("initial", {})["alert"] = alert_id
        super().__init__(*args, **kwargs)
