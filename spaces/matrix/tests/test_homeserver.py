"""The Matrix tests' own ground: the real Synapse answers, and the community fixture is what the tests assume."""

from spaces.matrix.space import MatrixSpace
from spaces.registry import platforms


def test_registered():
    assert platforms()["matrix"] is MatrixSpace
    assert MatrixSpace.syncs


def test_community_rooms_are_moderated_by_the_bot(matrix, community):
    bot = community.as_(community.bot)
    assert bot.whoami() == community.bot.user_id
    assert matrix.rooms() == list(community.rooms)
    for room in community.rooms:
        levels = bot.state(room, "m.room.power_levels") or {}
        assert levels["users"][community.bot.user_id] == 100
        assert bot.membership(room, community.alice.user_id) == "join"


def test_settings_problems_name_what_is_missing():
    assert len(MatrixSpace.settings_problems({})) == 2
    assert MatrixSpace.settings_problems({"homeserver": "ftp://x", "rooms": "!a:b"}) == ["The homeserver 'ftp://x' is not an http(s) URL."]
    assert MatrixSpace.settings_problems({"homeserver": "https://m.example.org", "space": "#community:example.org"}) == []


def test_a_matrix_space_names_the_rooms_to_moderate(db, monkeypatch, community):
    """A community that keeps its rooms in a Matrix space names the space; its children are the moderated rooms."""
    from spaces.testing import make_connection, space_of

    owner = community.as_(community.owner)
    space_room = owner.create_room({"name": "community", "preset": "public_chat", "creation_content": {"type": "m.space"}})
    for room in community.rooms:
        owner.put_state(space_room, "m.space.child", room, {"via": ["steward.test"]})
    owner.put_state(space_room, "m.space.child", "!removed:steward.test", {})  # a child taken out of the space
    community.as_(community.bot).join(space_room)
    connection = make_connection(
        monkeypatch,
        "matrix",
        slug="matrix-space",
        settings={"homeserver": community.homeserver.url, "space": space_room},
        secrets={"access_token": community.bot.access_token},
    )
    assert sorted(space_of(connection).rooms()) == sorted(community.rooms)
