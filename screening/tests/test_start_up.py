"""A process that never scores does not load the model's libraries: every `manage.py` command, cron tick and web
process loads the screening app at start, and scikit-learn with SciPy is about a second of imports on each."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_free

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
import django
django.setup()
from django.core import checks
from django.urls import get_resolver
get_resolver().url_patterns  # the web process's views, the cut pages among them
checks.run_checks(include_deployment_checks=True)
print(sorted(name for name in ("sklearn", "scipy") if name in sys.modules))
"""


def test_starting_up_and_checking_loads_no_scikit_learn() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_loaded_model_still_scores() -> None:
    """The probe's other side: the featurizer, imported only when a model loads, is found and used."""
    from screening.model.runtime import ScreeningModel

    model = ScreeningModel.load(encoder=False)
    scores = model.probabilities(["you are an idiot and everyone here knows it", "thanks, merged"])
    assert scores.shape == (2, len(model.heads)) and scores[0].max() > scores[1].max()
