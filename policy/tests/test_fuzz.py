"""Whatever a file holds, the loader answers with a Policy or a PolicyError, never anything else."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from policy.errors import PolicyError
from policy.loader import parse_policy
from policy.tests.helpers import default_text

pytestmark = pytest.mark.database_free

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.dates().map(str))
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def _parse(text: str) -> None:
    try:
        parse_policy(text, "fuzz.yaml")
    except PolicyError as exc:
        assert exc.errors
        assert all(p.source == "fuzz.yaml" and p.line >= 1 for p in exc.errors)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    _parse(text)


@settings(max_examples=100, deadline=None)
@given(_values)
def test_random_yaml_documents(value: object) -> None:
    _parse(yaml.safe_dump(value))


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=20_000), st.text(max_size=10))
def test_mutated_default_file(position: int, insert: str) -> None:
    text = default_text()
    position = position % len(text)
    _parse(text[:position] + insert + text[position:])
