"""Hand-written, labelled private-information cases: positives and hard negatives.

Every name, address, number and token here was made up for these tests; none comes from the shared data.
Token-shaped strings are assembled from pieces so secret scanners do not mistake this file for a leak.
Each case: (text, the author's handles, kind, the kinds of private information a steward should see).
"""

GH = "gh" + "p_"
PAT = "github" + "_pat_"
SLACK = "xo" + "xb-"
AWS = "AK" + "IA"
GL = "gl" + "pat-"
PK_BEGIN = "-----BEGIN RSA " + "PRIVATE KEY-----"
PK_END = "-----END RSA " + "PRIVATE KEY-----"
HOOK = "https://hooks.slack.com/" + "services/"
GH_BODY = "r7Kq2ZxW9mLp4VtB8nYc3HdF6gJs1AeQ0uNo"
PAT_BODY = "11ABX7QYI0" + "Zk3mP9sLqW2e" + "_" + "Hd83jKs0PqLm2Nv7Bx4Rz9Ty1Uw6Ce5Fa8Go3Ik0Jl2Mn4Op6Qr8St0Uv2W"
KEY_BODY = (
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK"
)

Case = tuple[str, tuple[str, ...], str, set[str]]

CASES: list[Case] = [
    # --- e-mail addresses of someone else ------------------------------------------------------------------
    (
        "Her personal email is maria.gonzalez84@gmail.com, go tell her what you think of her patch.",
        ("dkowalski",),
        "issue_comment",
        {"email"},
    ),
    ("Found where he works, write to him directly: t.brennan@brennan-consulting.co.uk", ("rvance",), "issue_comment", {"email"}),
    ("Since @sfrost won't answer here, I'm posting her address: sarah.frost@protonmail.com", ("kwu",), "issue_comment", {"email"}),
    ("lol this is the guy: jdoe1987@yahoo.com and yes that's his real one", ("anon42",), "chat", {"email"}),
    ("Anyone who wants to complain to the maintainer's boss: k.liang@fintech-corp.com", ("mhale",), "forum_post", {"email"}),
    ("you can reach his wife at annie.moreau@outlook.fr, she'll know where he is", ("troll9",), "chat", {"email"}),
    ("I dug up her old uni account too: r.okafor@student.ucl.ac.uk", ("bpetrov",), "discussion", {"email"}),
    # --- phone numbers ------------------------------------------------------------------------------------
    ("Here's his cell, call him at 3am and ask why the build is broken: (312) 847-2290", ("x_y",), "issue_comment", {"phone"}),
    ("Her number is +44 7400 123456, flood it.", ("x_y",), "chat", {"phone"}),
    ("Found her on the company site, desk phone +49 30 2589 4417", ("lmeyer",), "discussion", {"phone"}),
    ("text him on 415-826-3371 if you want a faster reply lol", ("jpark",), "chat", {"phone"}),
    ("His mum's landline is 020 7946 1183, give her a ring", ("grumpy",), "forum_post", {"phone"}),
    ("this is his number: +1-202-418-7756", ("anon",), "issue_comment", {"phone"}),
    ("Ring her at 0612 345 678 — that's her private mobile", ("pvdb",), "chat", {"phone"}),
    # --- street addresses ---------------------------------------------------------------------------------
    (
        "He lives at 4417 Rosewood Avenue, Portland, OR 97214. Maybe someone should pay him a visit.",
        ("angry1",),
        "issue_comment",
        {"address"},
    ),
    ("Her home address: 88 Wellington Road, Manchester M14 6EF", ("angry1",), "discussion", {"address"}),
    ("I know where you live: 2210 Cedar Crest Dr, Austin, TX 78745", ("angry2",), "issue_comment", {"address"}),
    ("The maintainer's house is at 731 Maple Street, Springfield, IL 62704, send your complaints there", ("m",), "forum_post", {"address"}),
    ("His flat: 250 King Street West, Toronto, ON M5H 3T4", ("m",), "chat", {"address"}),
    ("she's at 17 Oak Lane, Bristol, go knock", ("m",), "chat", {"address"}),
    # --- access tokens ------------------------------------------------------------------------------------
    (f"@bob your token is right there in the CI log: {GH}{GH_BODY}", ("alice",), "issue_comment", {"token"}),
    (f"He pasted his fine-grained PAT in the PR description: {PAT}{PAT_BODY}", ("alice",), "code_review", {"token"}),
    (f"Leaked bot token from their workspace: {SLACK}2048576123-4098765432109-Ab3dE5fG7hJ9kL1mN3pQ5rS7", ("z",), "chat", {"token"}),
    (f"Their AWS key is in the screenshot, {AWS}4J7QX2MZB9WTK3LD, someone tell them", ("z",), "issue_comment", {"token"}),
    (f"Why is this in the repo?\n{PK_BEGIN}\n{KEY_BODY}\n{PK_END}", ("z",), "code_review", {"token"}),
    (f"Her GitLab token got pasted in #general: {GL}xY7kP2mQ9vR4tW1zN3b8", ("z",), "chat", {"token"}),
    (f"the webhook is {HOOK}T04ABCD1234/B05EFGH5678/q8Rz3LmN0pKs7VtW2yXc9HbJ", ("z",), "chat", {"token"}),
    (f"Can't reproduce, here's my setup:\n```\nexport GITHUB_TOKEN={GH}{GH_BODY}\nmake test\n```", ("carol",), "issue_comment", {"token"}),
    # --- several at once ----------------------------------------------------------------------------------
    ("Both his email (peter.nyberg@telia.se) and phone (+46 70 123 45 67) are on his CV, enjoy", ("w",), "chat", {"email", "phone"}),
    ("She's at 1190 Harbor Blvd, Oxnard, CA 93035, number (805) 382-4471", ("w",), "forum_post", {"address", "phone"}),
    # --- not detectable here (honest misses count against recall) ----------------------------------------
    ("write to john.smith at gmail dot com and tell him", ("w",), "chat", {"email"}),
    # --- hard negatives: the author's own details ---------------------------------------------------------
    (
        "Thanks for the review!\n\n-- \nDana Kowalski\ndana.kowalski@gmail.com\n+1 415 826 3371",
        ("dkowalski", "dana.kowalski@gmail.com"),
        "email",
        set(),
    ),
    ("You can email me at dkowalski@fastmail.com if you prefer", ("dkowalski",), "issue_comment", set()),
    ("My work address is dana@kowalski.dev, use that one", ("dkowalski", "dana@kowalski.dev"), "issue_comment", set()),
    ("Happy to pair on this.\n\nBest regards,\nTom Becker\n+49 30 2589 4417", ("tbecker",), "email", set()),
    ("Cheers,\nAmelia Hart\n12 Baker Street, London NW1 6XE", ("ahart",), "email", set()),
    # --- commits and trailers -----------------------------------------------------------------------------
    ("Fix race in scheduler\n\nSigned-off-by: Priya Raman <priya.raman@intel.com>", ("praman",), "commit_message", set()),
    ("Add retry\n\nCo-authored-by: Lee Chang <lee.chang@gmail.com>", ("mhale",), "commit_message", set()),
    ("The commit shows 41598113+ghost@users.noreply.github.com as author", ("x",), "issue_comment", set()),
    ("```\ncommit 3f9a2b1c\nAuthor: Lee Chang <lee.chang@gmail.com>\nDate:   Tue Mar 5 10:11:12 2024\n```", ("x",), "issue_comment", set()),
    # --- reserved, role and list addresses ----------------------------------------------------------------
    ("Set EMAIL=alice@example.com in your .env and restart", ("x",), "issue_comment", set()),
    ("reach me via jane.doe@example.org for the demo", ("x",), "issue_comment", set()),
    ("Please report vulnerabilities to security@djangoproject.com, not here", ("x",), "issue_comment", set()),
    ("Contact conduct@rust-lang.org for code of conduct issues", ("x",), "discussion", set()),
    ("This was discussed on python-dev@python.org last year", ("x",), "discussion", set()),
    ("Mail from noreply@github.com landed in spam again", ("x",), "chat", set()),
    # --- placeholders -------------------------------------------------------------------------------------
    (f"```\nGITHUB_TOKEN={GH}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n```", ("x",), "issue_comment", set()),
    (f"The docs use {AWS}IOSFODNN7EXAMPLE as the sample key", ("x",), "issue_comment", set()),
    ("export TOKEN=<your-token-here> then run the script", ("x",), "issue_comment", set()),
    (f"Paste it like this:\n{PK_BEGIN}\n...\n{PK_END}", ("x",), "issue_comment", set()),
    (f"the {GH} prefix means a classic personal access token", ("x",), "issue_comment", set()),
    ("Use xoxb-your-bot-token in the config", ("x",), "chat", set()),
    ("call 415-555-0142 for the demo line", ("x",), "forum_post", set()),
    ("Ship to 123 Main Street, Anytown, CA 90210 in the example form", ("x",), "issue_comment", set()),
    # --- numbers that are not phones ----------------------------------------------------------------------
    ("Upgraded from 3.11.4 to 3.12.1, and pip 23.2.1 fixes it", ("x",), "issue_comment", set()),
    ("Reverted in 4f2a9c81d7e3b6a5 and cherry-picked 9b8e7d6c", ("x",), "code_review", set()),
    ("See #12345 and #12346, regressed on 2024-03-15 14:22:07", ("x",), "issue_comment", set()),
    ("The server at 192.168.1.24:8080 returns 502 since Tuesday", ("x",), "issue_comment", set()),
    ('File "/usr/lib/python3.12/site-packages/foo/bar.py", line 1234, in handle', ("x",), "issue_comment", set()),
    ("It processed 4158263371 rows in 12 minutes", ("x",), "discussion", set()),
    ("The grant was $1,250,000 for 2024-2026", ("x",), "discussion", set()),
    ("digest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ("x",), "code_review", set()),
    ("request id 3fa85f64-5717-4562-b3fc-2c963f66afa6 failed", ("x",), "issue_comment", set()),
    ("ISBN 978-0-13-468599-1 is the book I mentioned", ("x",), "chat", set()),
    ("kill -9 41582 and then restart the worker", ("x",), "chat", set()),
    ("Shipping to 94103 takes two days", ("x",), "chat", set()),
    ("Line 4417 in scheduler.c breaks the Avenue theme", ("x",), "code_review", set()),
    ("Install pkg@1.2.3 and @types/node@20.11.5", ("x",), "issue_comment", set()),
    ("`ssh deploy@10.0.0.4` works from the bastion", ("x",), "issue_comment", set()),
    # --- public places (a venue is not a person's private address) ----------------------------------------
    ("The sprint is at 747 Howard Street, San Francisco, CA 94103 (the convention centre)", ("x",), "discussion", set()),
]
