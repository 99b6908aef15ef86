"""The spaces carry events and know nothing above them: consumers register, and a new one touches no platform package.

The import walk reads every non-test module of spaces/ as source, so a late import inside a function (the
old way round an import cycle) counts as much as one at the top.
"""

import ast
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from screening.models import Item as ScreenedItem
from spaces.base import ContentEvent, ContentRemovedEvent, Event, Item, ListedMemberEvent, ModeratorActionEvent, ReportEvent
from spaces.checks import event_consumer_checks
from spaces.github.fake import FakeGitHub
from spaces.models import SpaceConnection
from spaces.polling import poll_all
from spaces.routing import dispatch, handling, off, on, routes_for
from spaces.testing import make_connection
from spaces.tests.fake_space import feed
from spaces.tests.helpers import hook_connection, item, post_hook
from steward.testing import T0

# What the spaces stand on; every other app of this project is above them.
FOUNDATION = {"steward", "audit", "policy", "people", "privacy"}


def project_apps() -> set[str]:
    """The apps that are this project's own packages (not Django's or a library's)."""
    base = Path(settings.BASE_DIR).resolve()
    return {config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == base}


def apps_above_spaces() -> set[str]:
    return project_apps() - FOUNDATION - {"spaces"}


def spaces_modules() -> Iterator[Path]:
    root = Path(apps.get_app_config("spaces").path)
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if "tests" in relative.parts or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        yield path


def imported_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module name imported anywhere in the tree (top level or in a function), with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def test_the_apps_above_the_spaces_are_derived_from_installed_apps() -> None:
    expected = {"intake", "enforcement", "screening", "cases", "notifications", "clocks", "letters", "decisions"}
    expected |= {"transparency", "mywork", "surveys"}
    assert expected <= apps_above_spaces()
    assert FOUNDATION <= project_apps(), "the foundation names apps that exist"


def test_no_module_of_the_spaces_imports_an_app_above_them() -> None:
    above = apps_above_spaces()
    modules = list(spaces_modules())
    assert len(modules) > 50, "the walk finds the platform packages"
    offending = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} imports {name}"
        for path in modules
        for line, name in imported_names(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        if name.split(".")[0] in above
    ]
    assert offending == []


def test_every_event_a_platform_produces_has_a_consumer_once_apps_are_ready() -> None:
    assert set(get_args(Event)) == {ReportEvent, ContentEvent, ModeratorActionEvent, ContentRemovedEvent, ListedMemberEvent}
    for event_type in get_args(Event):
        assert routes_for(event_type), event_type.__name__
    assert event_consumer_checks(None) == []


def test_an_event_type_nobody_handles_is_a_warning_of_the_system_check() -> None:
    taken = routes_for(ContentRemovedEvent)
    try:
        for route in taken:
            off(ContentRemovedEvent, route.handler)
        [warning] = event_consumer_checks(None)
    finally:
        for route in taken:
            on(ContentRemovedEvent, route.handler, order=route.order)
    assert warning.id == "spaces.W002" and "ContentRemovedEvent" in warning.msg
    assert [route.handler for route in routes_for(ContentRemovedEvent)] == [route.handler for route in taken]


def test_watching_looks_at_content_before_screening_stores_it() -> None:
    names = [route.name for route in routes_for(ContentEvent)]
    assert names.index("enforcement.space_events.watch_content") < names.index("screening.space_events.screen_content")


class Recorder:
    """A consumer added by a test: what it was handed, and in which delivery."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, str]] = []

    def __call__(self, connection: SpaceConnection, event: ContentEvent, delivery_id: str) -> None:
        self.seen.append((connection.slug, event, delivery_id))


@pytest.mark.django_db
def test_a_consumer_registered_at_run_time_receives_a_real_github_delivery_and_is_gone_afterwards(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeGitHub()
    with fake.serve() as url:
        make_connection(
            monkeypatch,
            "github",
            slug="example",
            settings={"org": "acme", "api_url": url, "repositories": ["acme/app"]},
            secrets={"token": fake.token, "webhook_secret": fake.webhook_secret},
        )
        issue = fake.add_issue("acme/app", "alice")
        first = fake.add_comment(issue, "mallory", "@alice ROUTED-TEXT")
        second = fake.add_comment(issue, "mallory", "after the consumer left")
        before = routes_for(ContentEvent)
        recorder = Recorder()
        hook = reverse("spaces:webhook", kwargs={"slug": "example"})
        with handling(ContentEvent, recorder):
            body, headers = fake.signed(*fake.comment_payload(first), delivery="gh-delivery-1")
            assert client.post(hook, body, content_type="application/json", headers=headers).status_code < 300
        body, headers = fake.signed(*fake.comment_payload(second), delivery="gh-delivery-2")
        assert client.post(hook, body, content_type="application/json", headers=headers).status_code < 300
    [(slug, event, delivery)] = recorder.seen
    assert (slug, delivery) == ("example", "gh-delivery-1")
    assert event.item.external_id == f"issue_comment:{first.id}" and "ROUTED-TEXT" in event.item.text
    # The consumers already there went on working beside it, and it is gone again.
    assert ScreenedItem.objects.filter(connection__slug="example").count() == 2
    assert routes_for(ContentEvent) == before


@pytest.mark.django_db
def test_a_registered_consumer_gets_polled_content_too_and_a_failing_one_takes_the_delivery_back(
    client: Client, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    hook_connection(monkeypatch)
    feed("acme-test").items = [Item("c-1", ("ivan-gh",), "POLLED-TEXT", created_at=T0, addressed=("rita-gh",))]
    recorder = Recorder()
    with handling(ContentEvent, recorder):
        poll_all()
    assert [(slug, event.item.external_id, delivery) for slug, event, delivery in recorder.seen] == [("acme-test", "c-1", "")]

    def broken(connection: SpaceConnection, event: ContentEvent, delivery_id: str) -> None:
        raise RuntimeError("a consumer failed")

    client.raise_request_exception = False
    with handling(ContentEvent, broken):
        assert post_hook(client, "acme-test", [{"type": "content", "item": item("c-9")}], delivery="d-9").status_code == 500
    assert not ScreenedItem.objects.filter(external_id="c-9").exists(), "what the other consumers did is rolled back with it"
    assert post_hook(client, "acme-test", [{"type": "content", "item": item("c-9")}], delivery="d-9").status_code == 204


@pytest.mark.django_db
def test_an_event_with_no_consumer_is_logged_and_answered(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    connection = hook_connection(monkeypatch)
    taken = routes_for(ContentRemovedEvent)
    event = ContentRemovedEvent("c-1")
    try:
        for route in taken:
            off(ContentRemovedEvent, route.handler)
        with caplog.at_level(logging.INFO, logger="steward.spaces"):
            handled = dispatch(connection, event)
    finally:
        for route in taken:
            on(ContentRemovedEvent, route.handler, order=route.order)
    assert handled.event == event and handled.report_reference == ""
    assert "inbound event ignored: connection=acme-test kind=ContentRemovedEvent" in caplog.text
