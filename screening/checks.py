"""Deploy checks for screening: the model directory the settings name is complete, and its encoder intact."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from screening.model.files import CONFIG, WEIGHTS


@register(Tags.compatibility, deploy=True)
def screening_model_checks(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    # The model's modules are imported here, when the check runs: every process loads this module at start, and most
    # (a cron tick, a manage.py command) never need NumPy.
    from screening.model.encoder import CONFIG as ENCODER_CONFIG
    from screening.model.encoder import DIRECTORY as ENCODER_DIRECTORY
    from screening.model.encoder import Encoder
    from screening.model.scorer import DefaultScorer, model_dir

    if not issubclass(import_string(settings.STEWARD_SCREENING_SCORER), DefaultScorer):
        return []  # another backend: its files are its own business

    directory = model_dir()
    missing = [name for name in (CONFIG, WEIGHTS) if not (directory / name).is_file()]
    if missing:
        return [
            Error(
                f"The screening model directory {directory} has no {', '.join(missing)}.",
                hint="Point STEWARD_SCREENING_MODEL_DIR at the output of manage.py retrain_screening, or leave it empty.",
                id="screening.E001",
            )
        ]
    if not settings.STEWARD_SCREENING_ENCODER:
        return []
    encoder = Encoder.find(directory)
    if encoder is None:
        return [
            Warning(
                f"The screening model in {directory} has no encoder stage ({ENCODER_DIRECTORY}/{ENCODER_CONFIG}): issue-like "
                "texts are scored by the linear heads alone.",
                hint="Run retrain_screening again (it copies the shipped encoder), or set STEWARD_SCREENING_ENCODER=false.",
                id="screening.W001",
            )
        ]
    changed = encoder.altered()
    if changed:
        return [
            Error(
                f"The screening encoder's {', '.join(changed)} does not match the sha256 in {ENCODER_CONFIG}.",
                hint="Restore the files from the release or retrain_screening's output: scoring stops at the first issue comment.",
                id="screening.E002",
            )
        ]
    return []
