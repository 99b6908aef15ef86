from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Stewards' sign-in"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts import admin_site
        from accounts.middleware import stamp_session

        user_logged_in.connect(stamp_session, dispatch_uid="accounts.stamp_session")
        admin_site.install()
