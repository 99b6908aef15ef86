from django.urls import URLPattern, URLResolver, path

from screening import threshold_views, views

app_name = "screening"

urlpatterns: list[URLPattern | URLResolver] = [
    path("flags/", views.queue, name="queue"),
    path("flags/<int:flag_id>/", views.flag_detail, name="flag"),
    path("flags/<int:flag_id>/dismiss/", views.dismiss, name="dismiss"),
    path("flags/<int:flag_id>/act/", views.act, name="act"),
    path("flags/<int:flag_id>/case/", views.open_case, name="open_case"),
    path("thresholds/", threshold_views.thresholds, name="thresholds"),
    path("thresholds/<slug:category>/<slug:kind>/", threshold_views.threshold, name="threshold"),
    path("thresholds/<slug:category>/<slug:kind>/set/", threshold_views.set_threshold, name="set_threshold"),
]
