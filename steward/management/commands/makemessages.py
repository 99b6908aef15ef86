"""Django's makemessages, also reading strings marked with `_lazy(...)`.

Many modules import `gettext_lazy as _lazy` beside `gettext as _` (both in one file); xgettext knows only
Django's own names, so without this those strings never reached the catalogue and stayed English.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
