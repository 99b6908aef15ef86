from django.contrib import admin
from django.http import HttpRequest

from policy.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin[PolicyVersion]):
    """Versions are history: they are added by `manage.py load_policy` and never edited here."""

    list_display = ["name", "version", "effective_from", "loaded_at", "source_name"]
    ordering = ["-effective_from", "-id"]
    readonly_fields = [
        "name",
        "version",
        "effective_from",
        "loaded_at",
        "source_name",
        "source_sha256",
        "source_text",
        "data",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        # Cases point at the version that applied to them; deleting history would orphan them.
        return False
