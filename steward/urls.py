from django.contrib import admin
from django.urls import include, path

from steward.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("", include("decisions.urls")),
    path("", include("letters.urls")),
    path("", include("clocks.urls")),
    path("privacy/", include("privacy.urls")),
    path("spaces/", include("spaces.urls")),
    path("enforcement/", include("enforcement.urls")),
    path("screening/", include("screening.urls")),
    path("", include("surveys.urls")),  # before intake: its follow-up/<reference>/survey/ page
    path("my-work/", include("mywork.urls")),
    path("transparency/", include("transparency.urls")),
    path("", include("intake.urls")),
    path("", include("policy.urls")),
]
