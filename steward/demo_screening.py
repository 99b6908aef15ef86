"""The demo's screening queue: a week of content from the demo GitHub organisation, scored by the shipped model.

Written for the demo (none of it comes from the training data): ordinary review and issue traffic, a reviewer
who keeps going after a newcomer (three insulting messages to her in a week: the third also raises a harassment
flag), a sarcastic jab at a steward (hidden from that steward's queue), and someone's home address posted to send people
to his door. The model also flags a maintainer's curt "won't fix", as it would in real traffic: one to dismiss.
The items go through screening's own reading and scoring, as if the worker had read them.
"""

from datetime import timedelta

from django.utils import timezone

from screening.ingest import take
from screening.pipeline import score_pending
from spaces import base
from spaces.models import SpaceConnection

REPO = "https://github.com/ai-alliance-demo/inference-server"

# (days ago, kind, author, addressed, text, where)
SAMPLE = [
    (
        6,
        "issue",
        "mira-k",
        (),
        "Batching stalls when max_tokens is 0\n\nWith max_tokens=0 the scheduler never frees the slot.",
        "issues/611",
    ),
    (6, "issue_comment", "chenwei-dev", ("mira-k",), "Thanks for the clear report! Could you share the config you used?", "issues/611"),
    (5, "review_comment", "tokenstorm", ("mira-k",), "Did you even run this? Garbage like this wastes everyone's time.", "pull/614"),
    (5, "review_comment", "dlevi", ("mira-k",), "nit: kill the worker before we abort, otherwise the test dies with a zombie.", "pull/614"),
    (
        4,
        "review_comment",
        "tokenstorm",
        ("mira-k",),
        "Still wrong. Honestly, stop submitting patches, you're clearly not up to it.",
        "pull/614",
    ),
    (3, "commit", "chenwei-dev", (), "scheduler: free the slot when max_tokens is 0 (fixes #611)", "commit/4be1c7d"),
    (9, "issue_comment", "brunosilva", (), "We can't support every quantisation format; closing as won't fix.", "issues/590"),
    (8, "issue_comment", "brunosilva", ("chenwei-dev",), "LGTM, merging once CI is green.", "pull/588"),
    (
        3,
        "issue_comment",
        "quantqueen",
        ("brunosilva",),
        "Wow, another 'won't fix'. Truly inspiring how little you care about the people who actually use this, "
        "@brunosilva. Great leadership, really.",
        "issues/590",
    ),
    (2, "review_comment", "tokenstorm", ("mira-k",), "Pathetic. This is useless code, find another project.", "pull/614"),
    (
        1,
        "issue_comment",
        "benchbro",
        ("ravi-p",),
        "If you want to tell @ravi-p what you think of his benchmark, he lives at 1420 Alder Street, Portland, OR "
        "97205. Go pay him a visit.",
        "issues/602",
    ),
    (1, "issue_comment", "ravi-p", (), "Confirmed on 0.9.2: the leak is gone. Thanks everyone for the quick fix.", "issues/598"),
]


def screen_sample_content() -> None:
    """Read and score the sample. Watching is on only while it is read: the demo has no credentials, so a
    watched space would only log at every poll that they are missing."""
    connection = SpaceConnection.objects.get(slug="alliance-github")
    connection.watch = True
    connection.save(update_fields=["watch"])
    read_sample(connection, id_prefix="demo:", repo_url=REPO, thread="ai-alliance-demo/inference-server")
    score_pending()
    connection.watch = False
    connection.save(update_fields=["watch"])


def read_sample(connection: SpaceConnection, *, id_prefix: str, repo_url: str, thread: str, suffix: str = "") -> None:
    """The sample content taken in from `connection` as its poll would (unscored). `suffix` is added to every user
    name, so a second round (the benchmark's copies) is other people's content, not the same items again."""
    now = timezone.now()
    for n, (days, kind, author, addressed, text, where) in enumerate(SAMPLE):
        item = base.Item(
            external_id=f"{id_prefix}{n}",
            author=(f"{author}{suffix}",),
            text=text,
            url=f"{repo_url}/{where}",
            created_at=now - timedelta(days=days, hours=n),
            addressed=tuple(f"{handle}{suffix}" for handle in addressed),
            thread=f"{thread}#{where}",
            kind=kind,
        )
        take(connection, item, schedule=False)
