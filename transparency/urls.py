from django.urls import URLPattern, path, register_converter

from policy.periods import PATTERN
from transparency import views


class PeriodConverter:
    regex = PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PeriodConverter, "period")

app_name = "transparency"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("feed.atom", views.feed, name="feed"),
    path("drafts/", views.drafts, name="drafts"),
    path("drafts/new/", views.create_draft, name="create_draft"),
    path("drafts/<period:period>/", views.draft, name="draft"),
    path("drafts/<period:period>/recompute/", views.recompute, name="recompute"),
    path("drafts/<period:period>/summary/", views.edit_summary, name="edit_summary"),
    path("drafts/<period:period>/sign-off/", views.sign_off, name="sign_off"),
    path("<period:period>/", views.report, name="report"),
    path("<period:period>.csv", views.report_csv, name="report_csv"),
    path("<period:period>.json", views.report_json, name="report_json"),
]
