"""PostgreSQL connections run without JIT (issue #12): it compiled most of each page's time away."""

import dj_database_url
import pytest
from django.db import connection

from steward.databases import postgresql_options


def test_a_postgresql_url_gets_jit_off_and_keeps_its_own_options():
    parsed = dj_database_url.parse("postgres://steward:secret@db/steward?sslmode=require&options=-c%20statement_timeout%3D5000")
    options = postgresql_options(parsed.get("OPTIONS", {}))
    assert options["sslmode"] == "require"
    assert options["options"] == "-c statement_timeout=5000 -c jit=off"
    assert postgresql_options({})["options"] == "-c jit=off"
    assert postgresql_options({"options": "-c jit=off"})["options"] == "-c jit=off"


@pytest.mark.django_db
def test_the_running_postgresql_connection_has_jit_off():
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL has a JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
