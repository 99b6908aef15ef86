"""The evidence upload field and its checks, shared by the public forms and the stewards' forms."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cases.evidence import ALLOWED_TYPES, CheckedFile, check_upload, describe_allowed


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Accepts any number of files; `check_uploads` then checks how many and what they contain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(sorted(ALLOWED_TYPES))}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        single_clean = super().clean
        return [single_clean(item, initial) for item in items if item]


def check_uploads(uploads: list[UploadedFile]) -> list[CheckedFile]:
    """Check the number and the content of the files; raise every problem at once."""
    limit = settings.STEWARD_EVIDENCE_MAX_FILES
    if len(uploads) > limit:
        raise ValidationError(
            _("You chose %(count)d files; you can add at most %(limit)d at a time. Please choose fewer files.")
            % {"count": len(uploads), "limit": limit}
        )
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        problems.append(_("Nothing was saved yet: please choose the files again after fixing this."))
        raise ValidationError(problems)
    return checked


def files_help() -> str:
    return _("You can add up to %(count)d files of at most %(size)d MB each: %(types)s.") % {
        "count": settings.STEWARD_EVIDENCE_MAX_FILES,
        "size": settings.STEWARD_EVIDENCE_MAX_BYTES // 1_048_576,
        "types": describe_allowed(),
    }
