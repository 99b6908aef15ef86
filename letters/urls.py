from django.urls import URLPattern, URLResolver, path

from letters import views

app_name = "letters"
urlpatterns: list[URLPattern | URLResolver] = [
    path("party/<str:token>/", views.party_portal, name="party_portal"),
    path("party/open/<int:link>/", views.party_page, name="party_page"),
    path("party/open/<int:link>/leave/", views.party_leave, name="party_leave"),
    path("letters/<str:code>/compose/", views.compose, name="compose"),
    path("letters/<str:code>/party-link/", views.create_party_link, name="create_party_link"),
    path("letters/<str:code>/party-link/revoke/", views.revoke_party_link, name="revoke_party_link"),
    path("letters/<str:code>/approve/", views.approve_message, name="approve_message"),
    path("letters/<str:code>/edit/", views.edit_draft, name="edit_draft"),
    path("letters/<str:code>/withdraw/", views.withdraw_draft, name="withdraw_draft"),
]
