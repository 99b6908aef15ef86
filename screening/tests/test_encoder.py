"""The encoder stage: the shipped int8 ONNX encoder averaged with the issue-incivility head."""

import json
import multiprocessing
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from django.test import override_settings

from screening.model.encoder import CONFIG, DIRECTORY, MODEL, TOKENIZER, Encoder, EncoderIntegrityError
from screening.model.runtime import SHIPPED_DIR, ScreeningModel
from screening.model.scorer import DefaultScorer
from screening.scoring import Text

pytestmark = pytest.mark.database_free

HEATED = "Are you kidding me? This is the third time I have explained it. Nobody here reads anything, it is pathetic."
CALM = "Thanks, that fixed it for me on 3.12 as well. I will close this once the release is out."
REVIEW = "nit: this variable name could be clearer"


@pytest.fixture(scope="module")
def both() -> tuple[ScreeningModel, ScreeningModel]:
    return ScreeningModel.load(SHIPPED_DIR), ScreeningModel.load(SHIPPED_DIR, encoder=False)


def test_the_shipped_model_has_its_encoder_with_the_files_it_was_written_for() -> None:
    config = json.loads((SHIPPED_DIR / DIRECTORY / CONFIG).read_text())
    model = ScreeningModel.load(SHIPPED_DIR)
    assert model.encoder is not None and model.encoder.config.head == config["head"] == "issue_incivility"
    assert f"+{config['version']}" in model.version
    head = model.heads[model.index["issue_incivility"]]
    assert head.threshold == config["threshold"]
    assert set(config["cross_validation"]["mean_over_folds"]) >= {"linear", "encoder", "blend"}
    assert "torch" in config["libraries"] and "vcu_locked_issues.csv" in config["data_files_sha256"]
    assert model.encoder.altered() == []  # the graph and tokenizer are the files train.py wrote


def test_the_encoder_loads_only_when_a_text_it_applies_to_arrives() -> None:
    model = ScreeningModel.load(SHIPPED_DIR)
    assert model.encoder is not None and not model.encoder.loaded
    model.probabilities([REVIEW], ["code_review"])
    assert not model.encoder.loaded
    model.probabilities([CALM], ["issue_comment"])
    assert model.encoder.loaded


def test_issue_texts_get_the_average_and_other_heads_and_kinds_are_untouched(both: tuple[ScreeningModel, ScreeningModel]) -> None:
    blended, linear = both
    assert blended.encoder is not None
    texts, kinds = [HEATED, CALM, REVIEW, HEATED], ["issue_comment", "chat", "code_review", "commit_message"]
    a, b = blended.probabilities(texts, kinds), linear.probabilities(texts, kinds)
    i = blended.index["issue_incivility"]
    own = blended.encoder.probabilities([HEATED, CALM])
    ran = b[:2, i] >= blended.encoder.config.skip_below  # the cascade: under the gate the linear probability stays
    np.testing.assert_allclose(a[:2, i], np.where(ran, (b[:2, i] + own) / 2, b[:2, i]), atol=1e-6)
    assert ran[0]  # the heated text is far above the gate
    np.testing.assert_array_equal(a[2:, i], b[2:, i])  # review and commit messages: no issue head, no encoder
    np.testing.assert_array_equal(np.delete(a, i, axis=1), np.delete(b, i, axis=1))


def test_heated_scores_above_calm_and_the_heated_text_is_flagged() -> None:
    scorer = DefaultScorer(SHIPPED_DIR, encoder=True)
    heated, calm = scorer.score([Text(HEATED, "issue_comment"), Text(CALM, "issue_comment")])
    top = {f.category: f for f in heated}["trolling-insults"]
    assert top.flag and top.score > {f.category: f for f in calm}["trolling-insults"].score


def test_a_text_scores_the_same_alone_or_in_a_batch_of_other_texts() -> None:
    """The int8 graph quantises activations per run, so each text runs alone: its score depends on it only."""
    encoder = Encoder.find(SHIPPED_DIR)
    assert encoder is not None
    texts = [HEATED, CALM, "ok", CALM * 12, HEATED + " " + CALM * 3]
    together = encoder.probabilities(texts)
    alone = np.array([encoder.probabilities([t])[0] for t in texts])
    np.testing.assert_array_equal(together, alone)
    assert together[0] > together[1]


MIXED = [
    HEATED,
    CALM,
    "ok",
    "Thanks!",
    CALM * 12,
    HEATED + " " + CALM * 3,
    "This is a joke of a project. ```rm -rf /``` Nobody cares about users here.",
    "LGTM, merging.",
    HEATED,  # a text repeated in its own batch
    "Why does nobody test before releasing? Every single version breaks something new. Unbelievable.",
]


def test_the_whole_model_scores_a_text_the_same_alone_as_in_any_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cascade, cache and encoder on: a text's every probability depends on the text only, never its neighbours.
    With two threads a batch runs side by side on its own one-thread session, and one text on the two-thread one."""
    monkeypatch.setenv("STEWARD_SCREENING_THREADS", "2")
    kinds = [
        "issue_comment",
        "chat",
        "issue_comment",
        "discussion",
        "issue_comment",
        "email",
        "issue_comment",
        "code_review",
        "forum_post",
        "issue_comment",
    ]
    batch_model = ScreeningModel.load(SHIPPED_DIR)
    together = batch_model.probabilities(MIXED, kinds)
    backwards = ScreeningModel.load(SHIPPED_DIR).probabilities(MIXED[::-1], kinds[::-1])[::-1]
    fresh = ScreeningModel.load(SHIPPED_DIR)  # nothing cached: each text computed on its own
    alone = np.stack([fresh.probabilities([t], [k])[0] for t, k in zip(MIXED, kinds, strict=True)])
    np.testing.assert_allclose(together, alone, atol=1e-6, rtol=0)
    np.testing.assert_allclose(backwards, alone, atol=1e-6, rtol=0)
    assert batch_model.encoder is not None and batch_model.encoder.loaded  # the encoder stage did run
    assert batch_model.encoder._workers is not None and fresh.encoder is not None and fresh.encoder._workers is None


def test_the_cascade_never_skips_the_encoder_for_a_text_at_or_above_its_gate() -> None:
    """Planted gate: exactly at one text's linear probability. That text and those above get the blend."""
    linear = ScreeningModel.load(SHIPPED_DIR, encoder=False)
    model = ScreeningModel.load(SHIPPED_DIR)
    assert model.encoder is not None
    i = model.index["issue_incivility"]
    texts = [HEATED, CALM, "ok", "Thanks!", "Why does nobody test before releasing? It is unbelievable."]
    p = linear.probabilities(texts, ["issue_comment"] * len(texts))[:, i]
    gate = float(np.sort(p)[2])  # the middle text sits exactly on the gate
    model.encoder.config = replace(model.encoder.config, skip_below=gate)
    got = model.probabilities(texts, ["issue_comment"] * len(texts))[:, i]
    own = model.encoder.probabilities(texts)
    above = p >= gate
    assert above.sum() == 3 and (~above).sum() == 2
    np.testing.assert_allclose(got[above], (p[above] + own[above]) / 2, atol=1e-6)
    np.testing.assert_array_equal(got[~above], p[~above])  # under the gate: the linear probability, unflagged
    assert (got[~above] < model.heads[i].threshold).all()
    assert not np.allclose(own[above], p[above])  # the blend really differs from the linear probability


def test_the_shipped_gate_was_chosen_by_cross_validation_and_sits_under_the_blend_threshold() -> None:
    config = json.loads((SHIPPED_DIR / DIRECTORY / CONFIG).read_text())
    model = ScreeningModel.load(SHIPPED_DIR)
    assert model.encoder is not None
    gate = model.encoder.config.skip_below
    assert 0 < gate < model.encoder.config.threshold
    cascade = config["cascade"]
    assert cascade["skip_below"] == gate and len(cascade["folds"]) == 5
    assert cascade["mean_positives_under_gate"] <= cascade["max_loss"] + 0.01
    assert "vcu_locked_issues.csv" in cascade["data_files_sha256"]
    assert model.version.endswith(f"-gate{gate:.4g}")  # scores under the gate changed: so did the version


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(SHIPPED_DIR, target)
    return target


@pytest.mark.parametrize("name", [MODEL, TOKENIZER])
def test_a_changed_encoder_file_is_refused_before_it_is_parsed(tmp_path: Path, name: str) -> None:
    target = _copy(tmp_path)
    path = target / DIRECTORY / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    model = ScreeningModel.load(target)
    assert model.encoder is not None
    with pytest.raises(EncoderIntegrityError, match=name):
        model.probabilities([HEATED], ["issue_comment"])
    assert not model.encoder.loaded


def test_a_directory_without_an_encoder_and_the_setting_off_score_with_the_linear_heads(tmp_path: Path) -> None:
    target = _copy(tmp_path)
    shutil.rmtree(target / DIRECTORY)
    alone = ScreeningModel.load(target)
    assert alone.encoder is None and "+" not in alone.version
    with override_settings(STEWARD_SCREENING_ENCODER=False):
        scorer = DefaultScorer(SHIPPED_DIR)
        assert scorer.model.encoder is None
        off = scorer.score([Text(HEATED)])
    with override_settings(STEWARD_SCREENING_ENCODER=True):
        assert DefaultScorer(SHIPPED_DIR).model.encoder is not None
    expected = DefaultScorer(target, encoder=False).score([Text(HEATED)])
    assert off == expected


def _score_in_child(model: ScreeningModel, queue: "multiprocessing.Queue[list[float]]") -> None:
    queue.put([float(p) for p in model.probabilities([HEATED, CALM + " again", "Why is this still broken?"])[:, 0]])


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # the fork is the point
def test_a_forked_worker_scores_batches_with_its_own_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process forked after the parent scored a batch (a pre-forking server) must not wait on the parent's pool."""
    monkeypatch.setenv("STEWARD_SCREENING_THREADS", "2")
    model = ScreeningModel.load(SHIPPED_DIR)
    model.probabilities([HEATED, CALM, "ok then"])  # the parent's side-by-side pool exists now
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_score_in_child, args=(model, queue))
    child.start()
    child.join(60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive and child.exitcode == 0
    assert len(queue.get(timeout=5)) == 3
