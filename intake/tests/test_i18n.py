"""The form is translatable, and the Spanish catalogue covers it (REQUIREMENTS 2.7)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

PO = Path(django_settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt")
@pytest.mark.django_db
def test_report_form_and_receipt_render_in_spanish(client, settings, tmp_path):
    target = tmp_path / "locale" / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(["msgfmt", "--check", "-o", str(target / "django.mo"), str(PO)], check=True, capture_output=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    html = client.get(reverse("intake:report"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="es"' in html
    for phrase in ("¿Qué pasó?", "Denunciar de forma anónima", "Enviar denuncia", "Si alguien está en peligro inmediato"):
        assert phrase in html
    assert '<option value="es" selected>' in html  # the report language defaults to the page's
    receipt = client.post(reverse("intake:report"), {"body": "Algo pasó."}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Guarda ahora tu enlace de seguimiento" in receipt
    assert "24 horas" in receipt or "24 hours" in receipt  # the number comes from the policy either way


def test_the_spanish_catalogue_covers_the_form():
    text = PO.read_text(encoding="utf-8")
    for english, spanish in [
        ("What happened?", "¿Qué pasó?"),
        ("Report anonymously", "Denunciar de forma anónima"),
        ("Stewards who must not see this report", "Personas moderadoras que no deben ver esta denuncia"),
        ("Save your follow-up link now", "Guarda ahora tu enlace de seguimiento"),
        ("This link does not open a report", "Este enlace no abre ninguna denuncia"),
    ]:
        assert f'msgid "{english}"\nmsgstr "{spanish}"' in text
