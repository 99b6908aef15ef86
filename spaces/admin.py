"""Space connections, for admin stewards (the admin site lets in no one else).

Settings are edited here; secrets never are: the page names the environment variables (or the
secrets-file keys) a connection still lacks, and never shows a value. Every save and deletion is in
the audit log.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from audit.log import record
from spaces.checks import missing_for
from spaces.models import SpaceConnection
from spaces.registry import platform_choices, platforms
from spaces.tasks import ensure_polling


class SpaceConnectionForm(forms.ModelForm):
    platform = forms.ChoiceField(choices=platform_choices)

    class Meta:
        model = SpaceConnection
        fields = ["title", "slug", "platform", "settings", "enabled", "watch"]

    def clean_settings(self) -> dict[str, Any]:
        value = self.cleaned_data.get("settings") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError('Settings are a JSON object, e.g. {"org": "acme"}.')
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cls = platforms().get(cleaned.get("platform", ""))
        value = cleaned.get("settings")
        if cls is not None and isinstance(value, dict):
            unknown = sorted(set(value) - set(cls.setting_names))
            if unknown:
                allowed = ", ".join(cls.setting_names) or "none"
                self.add_error("settings", f"{cls.title} has no setting {', '.join(unknown)} (its settings: {allowed}).")
            for problem in cls.settings_problems(value):
                self.add_error("settings", problem)
        return cleaned


@admin.register(SpaceConnection)
class SpaceConnectionAdmin(admin.ModelAdmin[SpaceConnection]):
    form = SpaceConnectionForm
    list_display = ["title", "slug", "platform", "enabled", "watch", "secrets_complete"]
    list_filter = ["platform", "enabled", "watch"]
    search_fields = ["title", "slug"]
    readonly_fields = ["setting_names", "missing_secret_names", "webhook_url", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: SpaceConnection | None = None) -> Any:
        # The slug names the secrets and the webhook URL: changing it would silently cut both off.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "slug", "platform"] if obj is not None else fields

    def get_fields(self, request: HttpRequest, obj: SpaceConnection | None = None) -> Any:
        base = ["title", "slug", "platform", "settings", "enabled", "watch"]
        return base if obj is None else [*base, "setting_names", "missing_secret_names", "webhook_url", "created_at"]

    @admin.display(description="Settings this platform reads")
    def setting_names(self, obj: SpaceConnection) -> str:
        cls = platforms().get(obj.platform)
        return ", ".join(cls.setting_names) if cls is not None and cls.setting_names else "—"

    @admin.display(description="Secrets still missing (environment variables)")
    def missing_secret_names(self, obj: SpaceConnection) -> str:
        missing = _missing(obj)
        if missing is None:
            return "This platform is not installed."
        if not missing:
            return "None: every secret is set."
        return format_html("<ul>{}</ul>", format_html_join("", "<li><code>{}</code></li>", ((name,) for name in missing)))

    @admin.display(description="Secrets set", boolean=True)
    def secrets_complete(self, obj: SpaceConnection) -> bool:
        return _missing(obj) == []

    @admin.display(description="Webhook URL")
    def webhook_url(self, obj: SpaceConnection) -> str:
        return settings.SITE_URL + reverse("spaces:webhook", kwargs={"slug": obj.slug})

    def save_model(self, request: HttpRequest, obj: SpaceConnection, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changed = sorted(form.changed_data)
            record(
                "space.connection_saved",
                f"Space connection {obj.slug} ({obj.platform}) {'changed' if change else 'added'}",
                actor=request.user,
                data={"connection": obj.slug, "platform": obj.platform, "changed": changed, "enabled": obj.enabled, "watch": obj.watch},
            )
            # A new or re-enabled connection is read from the next poll on: make sure one is waiting.
            transaction.on_commit(ensure_polling, robust=True)

    def delete_model(self, request: HttpRequest, obj: SpaceConnection) -> None:
        with transaction.atomic():
            slug, platform = obj.slug, obj.platform
            super().delete_model(request, obj)
            record(
                "space.connection_deleted", f"Space connection {slug} ({platform}) deleted", actor=request.user, data={"connection": slug}
            )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def _missing(obj: SpaceConnection) -> list[str] | None:
    return missing_for(obj)
