"""The shipped model's cross-validated curve per head: stored with the model (MANIFEST.json), consistent with the one
point it always stored, and shown to admins on the cut pages beside the community's own labels."""

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from screening.curves import SHOWN_CUTS
from screening.model.runtime import CONFIG, MANIFEST, SHIPPED_DIR
from screening.model.training import CURVE_CUTS, cut_curve
from screening.models import CategoryCut
from screening.scoring import get_scorer
from screening.thresholds import UNCUT, settable_pairs

pytestmark = pytest.mark.django_db
SEXISM = "sexualized-language"


@pytest.fixture
def real_model(settings: Any) -> Any:
    """The shipped model as the pages read it, without the encoder stage unless a test turns it on."""
    settings.STEWARD_SCREENING_SCORER = "screening.model.scorer.DefaultScorer"
    settings.STEWARD_SCREENING_ENCODER = False
    settings.STEWARD_SCREENING_MODEL_DIR = ""
    get_scorer.cache_clear()
    yield settings
    get_scorer.cache_clear()


@pytest.fixture
def admin(stewards: Any) -> Client:
    client = Client()
    client.force_login(stewards["alice"])
    return client


def manifest(directory: Path = SHIPPED_DIR) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((directory / MANIFEST).read_text())
    return loaded


def paged_heads() -> list[dict[str, Any]]:
    """The shipped heads the cut pages show: those that apply to some kind, for a category with a cut."""
    heads = json.loads((SHIPPED_DIR / CONFIG).read_text())["heads"]
    return [head for head in heads if head["kinds"] and head["category"] not in UNCUT]


def page(client: Client, category: str, kind: str) -> str:
    response = client.get(reverse("screening:threshold", kwargs={"category": category, "kind": kind}))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def curve_row(text: str, head: str, cut: float) -> tuple[str, ...]:
    """The cells of one cut's row in a head's curve table on the page."""
    table = text[text.index(f'id="shipped-{head}"') :]
    table = table[: table.index("</table>")]
    row = re.search(rf'<th scope="row">{cut:.2f}[^<]*(?:<span[^>]*>[^<]*</span>)?</th>(.*?)</tr>', table, re.S)
    assert row is not None, (head, cut)
    return tuple(cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S))


def test_each_paged_heads_curve_meets_its_stored_point() -> None:
    figures = manifest()["cross_validation"]
    assert CURVE_CUTS == SHOWN_CUTS  # the curve is stored at the cuts the page shows
    for head in paged_heads():
        own = figures[head["name"]]
        curve = own["curve"]
        assert [point["cut"] for point in curve["points"]] == list(SHOWN_CUTS)
        assert curve["rows"] == own["n"] and curve["positives"] == round(own["n"] * own["positive"])
        at_threshold = next(point for point in curve["points"] if point["cut"] == 0.5)
        # 0.50 on the page's scale is each fold's own threshold: the curve there is the point stored all along.
        assert at_threshold["precision"] == pytest.approx(own["precision"], abs=5e-5), head["name"]
        assert at_threshold["recall"] == pytest.approx(own["recall"], abs=5e-5), head["name"]
        flagged = [point["flagged"] for point in curve["points"]]
        assert flagged == sorted(flagged, reverse=True) and flagged[0] > flagged[-1]  # a higher cut flags less
        for point in curve["points"]:
            assert point["precision"] == pytest.approx(point["true"] / point["flagged"], abs=5e-5)
            assert point["recall"] == pytest.approx(point["true"] / curve["positives"], abs=5e-5)
            negatives = curve["rows"] - curve["positives"]
            assert point["negatives_flagged"] == pytest.approx((point["flagged"] - point["true"]) / negatives, abs=5e-5)


def test_the_curve_maps_each_fold_as_the_scorer_maps_its_threshold() -> None:
    # Two folds, thresholds 0.2 and 0.6. On the page's scale a probability p under threshold t is 0.5 p / t, above
    # it 0.5 + 0.5 (p - t) / (1 - t): 0.3 under 0.2 is 0.5625 (flagged at 0.55, not 0.60); 0.3 under 0.6 is 0.25.
    y = np.array([1, 0, 1, 0])
    probabilities = np.array([0.3, 0.1, 0.3, 0.9])
    thresholds = np.array([0.2, 0.2, 0.6, 0.6])
    points = {point["cut"]: point for point in cut_curve(y, probabilities, thresholds)["points"]}
    # 0.1 under 0.2 is 0.25; 0.9 under 0.6 is 0.875.
    assert [points[0.25]["flagged"], points[0.3]["flagged"]] == [4, 2]
    assert (points[0.55]["flagged"], points[0.55]["true"]) == (2, 1)
    assert (points[0.6]["flagged"], points[0.6]["true"], points[0.6]["precision"]) == (1, 0, 0.0)
    assert points[0.9]["flagged"] == 0 and points[0.9]["precision"] is None
    assert points[0.5]["recall"] == 0.5 and points[0.5]["negatives_flagged"] == 0.5 and points[0.5]["rows_flagged"] == 0.5


def test_the_page_draws_and_tables_the_shipped_curve_and_where_the_cut_sits(real_model: Any, admin: Client, stewards: Any) -> None:
    stored = {point["cut"]: point for point in manifest()["cross_validation"]["sexism"]["curve"]["points"]}
    text = page(admin, SEXISM, "issue_comment")
    for cut in (0.2, 0.5, 0.7, 0.9):
        p, r, rows, negatives = curve_row(text, "sexism", cut)
        assert (p, r) == (f"{stored[cut]['precision']:.2f}", f"{stored[cut]['recall']:.2f}")
        for shown, share in ((rows, stored[cut]["rows_flagged"]), (negatives, stored[cut]["negatives_flagged"])):
            assert shown.endswith(" %") and float(shown[:-2]) == pytest.approx(100 * share, abs=0.051)  # to the tenth
    assert "the shared training data, not your community's traffic" in " ".join(text.split())
    at = stored[0.5]
    assert f"At the cut in force, 0.50, the curve measured precision {at['precision']:.2f}, recall {at['recall']:.2f}" in text
    # The chart draws the curve too (and says so to a screen reader), beside the labels' lines.
    chart = text[text.index('<svg class="chart"') : text.index("</svg>")]
    assert "shipped model's cross-validated precision and recall against the cut" in chart
    assert chart.count('stroke="#1a7f37" stroke-width="2.5"') >= 4  # two curve lines and their two keys

    do_set_cut_url = reverse("screening:set_threshold", kwargs={"category": SEXISM, "kind": "issue_comment"})
    admin.post(do_set_cut_url, {"cut": "0.64"})
    assert CategoryCut.objects.get().cut == 0.64
    text = page(admin, SEXISM, "issue_comment")
    low, high = stored[0.6], stored[0.65]
    assert f"The cut in force, 0.64, lies between 0.60 (precision {low['precision']:.2f}, recall {low['recall']:.2f}" in text
    assert f"and 0.65 (precision {high['precision']:.2f}, recall {high['recall']:.2f}" in text


def test_the_encoder_blends_curve_is_never_made_up(real_model: Any, admin: Client) -> None:
    real_model.STEWARD_SCREENING_ENCODER = True
    encoder = json.loads((SHIPPED_DIR / "encoder" / "encoder.json").read_text())
    blend = encoder["cross_validation"]["mean_over_folds"]["blend"]
    linear = {point["cut"]: point for point in manifest()["cross_validation"]["issue_incivility"]["curve"]["points"]}
    text = " ".join(page(admin, "trolling-insults", "issue_comment").split())
    assert f"precision {blend['precision']:.2f}, recall {blend['recall']:.2f} at 0.50" in text  # the blend's own point
    assert "This curve is the linear head's alone, without the encoder stage" in text
    assert "Cross-validated curve of issue_incivility, on the shared data (linear head alone)" in text
    assert curve_row(text, "issue_incivility", 0.7)[:2] == (f"{linear[0.7]['precision']:.2f}", f"{linear[0.7]['recall']:.2f}")


def test_a_head_without_a_curve_says_so(real_model: Any, admin: Client, tmp_path: Path) -> None:
    for name in (CONFIG, "weights.npz"):
        shutil.copy(SHIPPED_DIR / name, tmp_path / name)
    old = manifest()
    del old["cross_validation"]["sexism"]["curve"]  # as a model trained before curves were stored
    (tmp_path / MANIFEST).write_text(json.dumps(old))
    real_model.STEWARD_SCREENING_MODEL_DIR = str(tmp_path)
    text = " ".join(page(admin, SEXISM, "issue_comment").split())
    assert "This model stores no cross-validated curve for this head, only the point above" in text
    assert 'id="shipped-sexism"' in text and "shipped-curve" not in text
    sexism = old["cross_validation"]["sexism"]
    assert f"precision {sexism['precision']:.2f}, recall {sexism['recall']:.2f} at 0.50" in text
    assert "At the cut in force" not in text
    # The other heads keep theirs.
    assert "Cross-validated curve of review_toxicity" in " ".join(page(admin, "trolling-insults", "code_review").split())


def test_the_harassment_text_head_stays_off_the_cut_pages(real_model: Any, admin: Client) -> None:
    heads = {head["name"]: head for head in json.loads((SHIPPED_DIR / CONFIG).read_text())["heads"]}
    assert heads["harassment_text"]["kinds"]  # it runs on every kind…
    assert not any(pair.category == "harassment" for pair in settable_pairs())  # …but harassment has no cut
    url = reverse("screening:threshold", kwargs={"category": "harassment", "kind": "issue_comment"})
    assert admin.get(url).status_code == 404
    overview = admin.get(reverse("screening:thresholds")).content.decode()
    assert "harassment_text" not in overview
    for pair in settable_pairs():
        assert "harassment_text" not in page(admin, pair.category, pair.kind)
