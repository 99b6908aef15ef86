from django.contrib import admin
from django.test import RequestFactory

from policy.models import PolicyVersion


def test_admin_keeps_versions_read_only() -> None:
    # Checked on the ModelAdmin itself: who may reach /admin/ at all is the accounts app's business.
    model_admin = admin.site._registry[PolicyVersion]
    request = RequestFactory().get("/admin/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert {"source_text", "source_sha256", "data"} <= set(model_admin.get_readonly_fields(request))
