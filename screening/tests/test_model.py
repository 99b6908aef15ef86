"""The shipped model's behaviour on hand-written texts (no training here: the shipped files are tested)."""

import json
import zipfile

import numpy as np
import pytest

from screening.model.preprocess import neutralise
from screening.model.runtime import CONFIG, MANIFEST, SHIPPED_DIR, WEIGHTS, ScreeningModel
from screening.model.scorer import DefaultScorer, rescale
from screening.scoring import Finding, Text

pytestmark = pytest.mark.database_free

POLITE = "Thanks for the patch! Could you add a test for the empty-list case? Otherwise this looks good to me."
INSULT = "This is the stupidest code I have ever seen, you clearly have no idea what you are doing, idiot."


@pytest.fixture(scope="module")
def scorer() -> DefaultScorer:
    return DefaultScorer(SHIPPED_DIR)


def by_category(findings: list[Finding]) -> dict[str, Finding]:
    return {f.category: f for f in findings}


def test_shipped_files_hold_no_pickle() -> None:
    with zipfile.ZipFile(SHIPPED_DIR / WEIGHTS) as z:
        for name in z.namelist():
            header = z.read(name)[:200]
            assert b"'descr': '|O'" not in header and b"'descr': 'O'" not in header
    np.load(SHIPPED_DIR / WEIGHTS, allow_pickle=False).close()
    manifest = json.loads((SHIPPED_DIR / MANIFEST).read_text())
    assert set(manifest["data_files_sha256"]) >= {"toxicr.csv", "vcu_locked_issues.csv", "github_sexism.csv"}
    assert "scikit-learn" in manifest["libraries"]
    config = json.loads((SHIPPED_DIR / CONFIG).read_text())
    assert all(0 < h["threshold"] < 1 for h in config["heads"])


def test_insult_scores_above_a_polite_review(scorer: DefaultScorer) -> None:
    polite, insult = scorer.score([Text(POLITE, "code_review"), Text(INSULT, "code_review")])
    assert by_category(insult)["trolling-insults"].score > by_category(polite)["trolling-insults"].score
    assert max(f.score for f in insult if f.category != "private-information") >= 0.5  # some category flags it
    assert not any(f.flag for f in polite)


def test_issue_comment_insult_flags(scorer: DefaultScorer) -> None:
    [polite], [rude] = (
        scorer.score([Text("Thanks, I can reproduce this on 2.3 as well.")]),
        scorer.score([Text("Are you f***ing kidding me? This garbage project is run by clowns. Shut up and fix it.")]),
    )
    assert by_category(rude)["trolling-insults"].score > by_category(polite)["trolling-insults"].score
    assert by_category(rude)["trolling-insults"].flag
    assert not by_category(polite)["trolling-insults"].flag


def test_technical_words_in_code_do_not_flag(scorer: DefaultScorer) -> None:
    text = "To stop it, kill the process first:\n```\nkill -9 $(pgrep worker)  # die, zombie child\n```\nthen restart the daemon."
    [findings] = scorer.score([Text(text, "issue_comment")])
    assert not any(f.flag for f in findings), findings


def test_neutralise_replaces_code_urls_mentions_quotes_traces() -> None:
    text = (
        "> you are an idiot\n@someone see https://example.org/x and `abort()`\n"
        "Traceback (most recent call last):\n  File \"a.py\", line 3, in f\nKeyError: 'x'\n```\nkill()\n```"
    )
    out = neutralise(text)
    for gone in ("idiot", "someone", "example.org", "abort", "KeyError", "kill"):
        assert gone not in out
    for token in ("zzquote", "zzmention", "zzurl", "zzcode", "zztrace"):
        assert token in out


def test_private_information_and_categories(scorer: DefaultScorer) -> None:
    [findings] = scorer.score([Text("His home is 4417 Rosewood Avenue, Portland, OR 97214, go visit.", author=("someone",))])
    cats = by_category(findings)
    assert cats["private-information"].flag
    assert "street address" in cats["private-information"].why
    assert {"trolling-insults", "sexualized-language", "private-information"} <= set(cats)


def test_version_and_empty_input(scorer: DefaultScorer) -> None:
    assert scorer.score([]) == []
    assert scorer.version.startswith("linear-")


def test_rescale_puts_threshold_at_half() -> None:
    p = np.array([0.0, 0.1, 0.2, 0.6, 1.0])
    assert np.allclose(rescale(p, 0.2), [0.0, 0.25, 0.5, 0.75, 1.0])


def test_model_loads_without_pickle() -> None:
    m = ScreeningModel.load(SHIPPED_DIR)
    assert m.probabilities(["ok"]).shape == (1, len(m.heads))


def test_steward_labels_join_the_heads_for_their_category_and_kind() -> None:
    from screening.management.commands.retrain_screening import build_rows
    from screening.model.training import HEADS, Dataset, head_rows

    rows = build_rows([("rude review", "code_review", "trolling-insults", True), ("fine chat", "chat", "trolling-insults", False)])
    ds = Dataset(rows)
    joined = {h["name"]: head_rows(ds, h)[1].tolist() for h in HEADS}
    assert joined["review_toxicity"] == [1]
    assert joined["issue_incivility"] == [0]
    assert joined["sexism"] == []


def test_the_word_cache_gives_the_vectoriser_s_own_character_features() -> None:
    # The cache is a speed-up only: the shipped weights were trained on HashingVectorizer's columns.
    featurizer = ScreeningModel.load(SHIPPED_DIR).featurizer
    assert featurizer.char_cache is not None
    texts = featurizer.clean([POLITE, INSULT, "", "   ", "naïve İstanbul straße f*ck stup1d", POLITE + " " + POLITE, "a b c"])
    for _ in range(2):  # cold, then every word already cached
        expected = featurizer.vectorizers["char"].transform(texts).tocsr()
        expected.sum_duplicates()
        got = featurizer.char_cache.transform(texts)
        assert got.shape == expected.shape
        assert (got != expected).nnz == 0
        assert np.array_equal(got.indptr, expected.indptr) and np.array_equal(got.indices, expected.indices)


def test_the_word_cache_starts_again_when_full() -> None:
    from screening.model.features import WordPieceCache

    featurizer = ScreeningModel.load(SHIPPED_DIR).featurizer
    cache = WordPieceCache(featurizer.vectorizers["char"], max_words=5)
    first = cache.transform(["one two three four"])
    cache.transform(["five six seven"])
    assert len(cache.ids) <= 5
    assert (cache.transform(["one two three four"]) != first).nnz == 0


def test_auxiliary_rows_join_by_mode_and_weight() -> None:
    from screening.model.training import Dataset, Row, head_rows, row_weights

    ds = Dataset(
        [
            Row("sexist remark", 1, "github_sexism", "s:1", "issue_comment"),
            Row("rude but not sexist", 1, "vcu_locked_issues", "v:1", "issue_comment"),
            Row("calm comment", 0, "vcu_locked_issues", "v:2", "issue_comment"),
        ]
    )
    head = {"name": "h", "sources": ["github_sexism"], "category": "sexualized-language", "kinds": ["issue_comment"]}
    for mode, expected in (("labels", [1, 1, 0]), ("negatives", [1, 0, 0]), ("positives-as-negatives", [1, 0])):
        _, y, own = head_rows(ds, {**head, "aux": {"vcu_locked_issues": mode}})
        assert y.tolist() == expected and own.tolist() == [True] + [False] * (len(expected) - 1)
    _, _, own = head_rows(ds, {**head, "aux": {"vcu_locked_issues": "negatives"}})
    assert row_weights(head, own) is None
    assert row_weights({**head, "aux_weight": 0.3}, own).tolist() == pytest.approx([1.0, 0.3, 0.3])


def test_the_word_cache_gives_the_same_features_to_threads_sharing_it() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from screening.model.features import WordPieceCache

    featurizer = ScreeningModel.load(SHIPPED_DIR).featurizer
    cache = WordPieceCache(featurizer.vectorizers["char"], max_words=50)  # small: clears often while others read
    batches = [[f"word{n} other{n % 7} {POLITE}", f"{INSULT} extra{n}"] for n in range(60)]
    expected = [featurizer.vectorizers["char"].transform(batch).tocsr() for batch in batches]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(cache.transform, batches))
    for want, have in zip(expected, got, strict=True):
        want.sum_duplicates()
        assert (have != want).nnz == 0
