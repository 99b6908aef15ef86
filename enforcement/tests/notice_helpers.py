"""What the tests of the notices on the platforms share: a policy that asks for them, and the GitHub comments."""

from typing import Any

from policy.services import load_policy_version
from spaces.github.fake import FakeGitHub

REASON = "Personal attacks in the review thread."


def policy_with(line: str) -> None:
    """Load the sample policy with one more line under `enforcement:`, e.g. "notify_on_platform: true"."""
    text = (
        open("policy/policies/ai-alliance.yaml", encoding="utf-8")
        .read()
        .replace("  drift_check_hours: 24", f"  drift_check_hours: 24\n  {line}", 1)
    )
    load_policy_version(text=text.replace('version: "1.0"', 'version: "1.0-notices"', 1), source_name="notices.yaml")


def comments_on(fake: FakeGitHub, issue: Any) -> list[str]:
    return [c.body for c in fake.world.comments.values() if c.kind == "issue_comment" and c.issue is issue]
