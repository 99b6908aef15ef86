from django.urls import path

from accounts.views import security, signin

app_name = "accounts"
urlpatterns = [
    path("login/", signin.login, name="login"),
    path("verify/", signin.verify, name="verify"),
    path("logout/", signin.logout, name="logout"),
    path("security/", security.security, name="security"),
    path("security/two-factor/", security.totp_setup, name="totp_setup"),
    path("security/two-factor/remove/", security.totp_remove, name="totp_remove"),
    path("security/password/", security.password_change, name="password_change"),
    path("security/new-reports/", security.new_report_mail, name="new_report_mail"),
]
