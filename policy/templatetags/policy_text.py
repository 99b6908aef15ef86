"""Template helpers for the policy's texts: safe formatting, and the policy in the reader's language."""

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from policy.markup import render
from policy.schema import Policy

register = template.Library()


@register.filter
def policy_markup(text: str) -> SafeString:
    """Paragraphs, lists and links from a policy text (policy.markup); HTML in it is shown as text."""
    return render(text or "")


@register.filter
def localized(policy: Policy) -> Policy:
    """The policy with its texts in the page's language, where the policy file translates them."""
    return policy.localized(get_language() or "")
