"""Nothing in screening sends text off the machine: scoring works with every network connection refused."""

import socket
from typing import Any

import pytest

from screening.model.scorer import DefaultScorer
from screening.scoring import Text

pytestmark = pytest.mark.database_free


def test_scoring_opens_no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise OSError("screening must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    texts = [
        Text("You are a worthless idiot, mail me at someone.else@gmail.com or call +1 415 555 0134.", kind="issue_comment"),
        Text("See https://github.com/acme/app/pull/3 — she lives at 742 Evergreen Terrace, Springfield, IL 62704.", kind="chat"),
    ]
    findings = DefaultScorer().score(texts)
    assert attempts == []
    assert any(f.category == "private-information" and f.flag for f in findings[0])
    assert any(f.category == "private-information" and f.flag for f in findings[1])
