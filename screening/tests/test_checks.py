"""`manage.py check --deploy` on the screening model: an incomplete directory, a missing or altered encoder."""

import shutil
from pathlib import Path

import pytest
from django.test import override_settings

from screening.checks import screening_model_checks
from screening.model.runtime import SHIPPED_DIR

pytestmark = pytest.mark.database_free


def ids(directory: Path | str = "", **more: object) -> list[str]:
    with override_settings(STEWARD_SCREENING_MODEL_DIR=str(directory), **more):
        return [problem.id or "" for problem in screening_model_checks(None)]


def test_the_shipped_model_passes() -> None:
    assert ids() == []


def test_a_directory_without_the_model_files_is_an_error(tmp_path: Path) -> None:
    assert ids(tmp_path) == ["screening.E001"]


def test_a_model_without_its_encoder_is_a_warning_unless_the_stage_is_off(tmp_path: Path) -> None:
    target = tmp_path / "model"
    shutil.copytree(SHIPPED_DIR, target, ignore=shutil.ignore_patterns("encoder"))
    assert ids(target) == ["screening.W001"]
    assert ids(target, STEWARD_SCREENING_ENCODER=False) == []


def test_an_altered_encoder_file_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "model"
    shutil.copytree(SHIPPED_DIR, target)
    with (target / "encoder" / "tokenizer.json").open("a") as f:
        f.write(" ")
    assert ids(target) == ["screening.E002"]


def test_another_scorer_is_not_checked(tmp_path: Path) -> None:
    assert ids(tmp_path, STEWARD_SCREENING_SCORER="screening.tests.flagging.ScriptedScorer") == []
