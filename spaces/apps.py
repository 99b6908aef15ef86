from importlib import import_module

from django.apps import AppConfig

PLATFORM_PACKAGES = ("github", "slack", "discord", "discourse", "zulip", "matrix", "mailman", "email")


class SpacesConfig(AppConfig):
    name = "spaces"
    verbose_name = "Community spaces"

    def ready(self) -> None:
        from spaces import checks  # noqa: F401  (registers the deploy check for connections missing secrets)

        for name in PLATFORM_PACKAGES:
            import_module(f"spaces.{name}.space")  # each registers its Space
