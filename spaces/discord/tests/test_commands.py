"""Registering the "Report message" command: `manage.py register_discord_command`, against the fake's commands API."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from spaces.discord.space import command_definition


def register(*args: str) -> str:
    out = StringIO()
    call_command("register_discord_command", *args, stdout=out)
    return out.getvalue()


def test_the_command_is_registered_once_in_the_server(discord, fake):
    assert "Registered the 'Report message' command in the server" in register()
    [command] = fake.commands[fake.guild_id]
    assert (command["name"], command["type"], command["contexts"]) == ("Report message", 3, [0])
    assert "already registered" in register()
    assert fake.commands[fake.guild_id] == [command]  # nothing created twice, not even a new version
    assert len(fake.mutations("POST")) == 1


def test_a_changed_command_is_overwritten_in_place_and_others_are_kept(discord, fake):
    register()
    [command] = fake.commands[fake.guild_id]
    command["contexts"] = [0, 1, 2]  # someone changed it by hand
    other = {**command, "id": fake.snowflake(), "name": "Other app command", "type": 1}
    fake.commands[fake.guild_id].append(other)
    assert "Updated" in register(f"--connection={discord.connection.slug}")
    assert [item["id"] for item in fake.commands[fake.guild_id]] == [command["id"], other["id"]]
    assert fake.commands[fake.guild_id][0]["contexts"] == command_definition()["contexts"]


def test_global_registration(discord, fake):
    assert "for every server" in register("--global")
    assert [item["name"] for item in fake.commands[""]] == ["Report message"]
    assert fake.guild_id not in fake.commands


def test_a_refusal_is_reported_and_fails_the_command(db, monkeypatch, fake, url):
    from spaces.testing import make_connection

    make_connection(monkeypatch, "discord", slug="wrong", settings={"api_url": url, "guild_id": "1234"}, secrets={"bot_token": fake.token})
    err = StringIO()
    with pytest.raises(CommandError, match="wrong"):
        call_command("register_discord_command", stderr=err, stdout=StringIO())
    assert "Missing Access" in err.getvalue()


def test_without_a_discord_connection_it_says_so(db):
    with pytest.raises(CommandError, match="No enabled Discord connection"):
        call_command("register_discord_command")
