from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "Code of conduct (policy)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from policy import checks  # noqa: F401  (registers the policy system checks)
