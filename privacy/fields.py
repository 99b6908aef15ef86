"""Model fields whose values are stored as Fernet tokens and read back as plain text.

The database column is always `text`; a column holds a token (or "" for an empty value, so "left
blank" stays visible without revealing anything). Because tokens are randomised, these fields
cannot be searched or compared in SQL: Identity.handle has a blind index (`handle_digest`) instead.
"""

from typing import Any

from django import forms
from django.core import validators
from django.db import models

from privacy.keys import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value, f"{self.model.__name__}.{self.name}")

    def to_python(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))


class EncryptedCharField(EncryptedTextField):
    """A short encrypted value: a one-line form field and a maximum length checked on the plain text."""

    description = "Short text encrypted at rest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def formfield(self, **kwargs: Any) -> Any:
        defaults: dict[str, Any] = {"form_class": forms.CharField, "max_length": self.max_length}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)
