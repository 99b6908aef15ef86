from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/declare/", views.declare, name="declare"),
    path("<str:code>/recuse/", views.recuse, name="recuse"),
    path("<str:code>/declarations/", views.correct_declarations, name="correct_declarations"),
    path("<str:code>/reports/<str:reference>/identity/", views.reveal_identity, name="reveal_identity"),
    path("<str:code>/evidence/<int:evidence_id>/download/", views.evidence_download, name="evidence_download"),
    path("<str:code>/evidence/", views.add_evidence, name="add_evidence"),
    path("<str:code>/notes/", views.add_note, name="add_note"),
    path("<str:code>/messages/", views.send_message, name="send_message"),
    path("<str:code>/triage/", views.update_triage, name="update_triage"),
    path("<str:code>/shepherd/", views.assign_shepherd, name="assign_shepherd"),
    path("<str:code>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<str:code>/status/", views.change_status, name="change_status"),
    path("<str:code>/parties/", views.add_party, name="add_party"),
    path("<str:code>/parties/naming/", views.record_naming_consent, name="record_naming_consent"),
    path("<str:code>/merge/", views.merge, name="merge"),
    path("<str:code>/soft-read/", views.set_soft_read, name="set_soft_read"),
]
