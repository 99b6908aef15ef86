"""Read a code-of-conduct YAML file into a validated `Policy`.

The whole file is checked in one pass and every problem is reported together (`PolicyError`), each
as `file:line: field: message`. Only plain YAML is accepted: the file is composed with the safe
loader and any explicit tag outside the core schema is refused, so a policy file can never run code.
See docs/policy-format.md for the format.
"""

from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from policy.errors import PolicyError, PolicyProblem
from policy.fields import (
    BAD,
    Bool,
    Context,
    Date,
    Int,
    ListOf,
    MapOf,
    Record,
    Text,
    join,
    optional,
    required,
)
from policy.schema import DECISION_KINDS, INTENTS, PLATFORMS, Policy

MAX_FILE_BYTES = 1_000_000  # a code of conduct is a few pages; anything bigger is a mistake or abuse

SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"
EMAIL = r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+"
URL = r"https?://[^\s\"'<>]+"  # only web links: a javascript: URL must never reach an href
PHONE = r"\+?[0-9][0-9 ().-]{1,30}"
LANGUAGE = r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*"
FRACTION = r"[0-9]+/[0-9]+"

Code = Text(max_length=50, pattern=SLUG, shape="a lowercase code such as some-words")
Title = Text(max_length=200)
Body = Text(max_length=20_000)
Email = Text(max_length=254, pattern=EMAIL, shape="an e-mail address such as stewards@example.org")
Url = Text(max_length=500, pattern=URL, shape="a link starting with https://")


def _check_ladder(ctx: Context, node: yaml.Node, path: str, levels: Any, level_nodes: Any) -> None:
    # Ranks must read 1, 2, ... n in list order, so "one level up" is always well defined.
    for level, level_node in zip(levels, level_nodes, strict=True):
        index = next(i for i, n in enumerate(node.value) if n is level_node)
        if "rank" in level and level["rank"] != index + 1:
            ctx.problem(
                _child(level_node, "rank") or level_node,
                f"{path}[{index}].rank",
                f"expected {index + 1} (ranks count 1, 2, 3... in list order), got {level['rank']}",
            )


def _check_timelines(ctx: Context, node: yaml.Node, path: str, values: Any, children: Any) -> None:
    followup, target = values.get("first_followup_days"), values.get("decision_target_days")
    if followup is not None and target is not None and target < followup:
        ctx.problem(
            children["decision_target_days"],
            join(path, "decision_target_days"),
            f"must not be shorter than first_followup_days ({followup})",
        )


def _check_decision_rule(ctx: Context, node: yaml.Node, path: str, values: Any, children: Any) -> None:
    kind = values.get("kind")
    fraction = values.get("fraction")
    if kind is None:
        values.pop("fraction", None)
        return
    if kind != "supermajority":
        implied = "1/2" if kind == "majority" else "1/1"
        if fraction not in (None, implied):
            ctx.problem(children["fraction"], join(path, "fraction"), f'applies only to kind "supermajority", not "{kind}"')
        values["fraction"] = implied
        return
    if fraction is None:
        if "fraction" not in children:
            ctx.problem(node, join(path, "fraction"), 'required when kind is "supermajority" (e.g. "2/3")')
        return
    numerator, denominator = (int(part) for part in fraction.split("/"))
    if denominator == 0 or not Fraction(1, 2) < Fraction(numerator, denominator) <= 1:
        ctx.problem(children["fraction"], join(path, "fraction"), f"must be more than 1/2 and at most 1/1, got {fraction}")
        values.pop("fraction")


def _check_emergency(ctx: Context, node: yaml.Node, path: str, values: Any, children: Any) -> None:
    # Only when both are absent: an invalid url or phone has already been reported on its own line.
    if "url" not in children and "phone" not in children:
        ctx.problem(node, path, "give a url or a phone number (or both)")


def _check_period_months(ctx: Context, node: yaml.Node, path: str, values: Any, children: Any) -> None:
    # Periods tile the calendar year (Jan-Jun, Jul-Dec…), so a length must divide 12.
    for index, (months, item) in enumerate(zip(values, children, strict=False)):
        if 12 % months:
            ctx.problem(item, f"{path}[{index}]", f"must divide a year (1, 2, 3, 4, 6 or 12), got {months}")
    if len(set(values)) != len(values):
        ctx.problem(node, path, "each period length once")


def _check_enforcement(ctx: Context, node: yaml.Node, path: str, values: Any, children: Any) -> None:
    # A shared ban's public reason is published on a list anyone can read: the one placeholder it may hold is the
    # community's name, so nothing about a case can ever be put into it.
    reason = values.get("shared_ban_reason")
    rest = reason.replace("{community}", "") if isinstance(reason, str) else ""
    if "{" in rest or "}" in rest:
        message = "the only placeholder it may hold is {community}: it is one public text for every case, never a case's details"
        ctx.problem(children.get("shared_ban_reason", node), join(path, "shared_ban_reason"), message)


def _node_at(node: yaml.Node | None, *keys: str) -> yaml.Node | None:
    """The node at a path of mapping keys (for line numbers), or None."""
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((value for k, value in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    return node


def _read_whole(values: Any, children: Any, key: str) -> bool:
    """`key` read without a problem: every item of its list made it into `values` (else it is reported already)."""
    node = children.get(key)
    if key not in values or node is None:
        return False
    return not isinstance(node, yaml.SequenceNode) or len(node.value) == len(values[key])


def _check_translations(ctx: Context, values: Any, children: Any) -> None:
    """Each translation is of a declared language other than the first, and translates everything, item for item.

    A list of the policy's own that has a problem already reported is not compared, so one mistake is one message.
    """
    root = children.get("translations")
    for language, translation in (values.get("translations") or {}).items():
        where = f"translations.{language}"
        if _read_whole(values, children, "languages") and language not in values["languages"][1:]:
            ctx.problem(_node_at(root, language) or root, where, f"{language} is not one of the other languages listed in languages")
        if "text" in translation and _read_whole(values, children, "text") and len(translation["text"]) != len(values["text"]):
            count, got = len(values["text"]), len(translation["text"])
            node = _node_at(root, language, "text")
            ctx.problem(node, f"{where}.text", f"translate each of the {count} sections of text, in order (got {got})")
        for key in ("categories", "spaces", "ladder", "outcomes"):
            if key not in translation or not _read_whole(values, children, key):
                continue
            # An item whose code did not read has had its problem reported already: compare the others.
            codes = [item["code"] for item in values[key] if isinstance(item.get("code"), str)]
            given = [item["code"] for item in translation[key] if isinstance(item.get("code"), str)]
            node = _node_at(root, language, key)
            missing = [code for code in codes if code not in given]
            unknown = [code for code in given if code not in codes]
            if missing:
                ctx.problem(node, f"{where}.{key}", "missing: " + ", ".join(missing))
            if unknown:
                ctx.problem(node, f"{where}.{key}", f"no such code in {key}: " + ", ".join(unknown))
        emergency = values.get("emergency") or []
        if ("emergency" not in children or _read_whole(values, children, "emergency")) and len(translation.get("emergency", [])) != len(
            emergency
        ):
            node = _node_at(root, language, "emergency") or _node_at(root, language)
            ctx.problem(node, f"{where}.emergency", f"translate the title of each of the {len(emergency)} emergency resources, in order")


def _check_policy(ctx: Context, node: yaml.Node, path: str, values: Any, children: Any) -> None:
    _check_translations(ctx, values, children)
    # A decision names either a ladder level or an outcome by code; the two sets must not overlap.
    level_codes = {level.get("code") for level in values.get("ladder", [])}
    outcomes_node = children.get("outcomes")
    if not isinstance(outcomes_node, yaml.SequenceNode):
        return
    for index, item in enumerate(outcomes_node.value):
        code_node = _child(item, "code")
        if code_node is not None and code_node.value in level_codes:
            ctx.problem(code_node, f"outcomes[{index}].code", f'"{code_node.value}" is already a ladder level code')


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node if isinstance(value_node, yaml.ScalarNode) else None
    return None


# The texts of the policy in another language; codes say which item each translates (docs/policy-format.md).
TRANSLATION = Record(
    {
        "name": required(Title),
        "community": optional(Title, ""),
        "text": required(ListOf(Record({"title": required(Title), "body": required(Body)}), 1)),
        "categories": required(
            ListOf(Record({"code": required(Code), "title": required(Title), "description": required(Body)}), 1, "code")
        ),
        "scope": required(Body),
        "spaces": required(ListOf(Record({"code": required(Code), "title": required(Title)}), 1, "code")),
        "ladder": required(
            ListOf(
                Record(
                    {
                        "code": required(Code),
                        "title": required(Title),
                        "community_impact": required(Body),
                        "consequence": required(Body),
                    }
                ),
                1,
                "code",
            )
        ),
        "outcomes": required(ListOf(Record({"code": required(Code), "title": required(Title)}), 1, "code")),
        "emergency": optional(ListOf(Record({"title": required(Title)})), []),
    }
)

POLICY = Record(
    {
        "name": required(Title),
        "community": optional(Title, ""),
        "version": required(Text(max_length=50)),
        "effective_from": required(Date()),
        "languages": required(ListOf(Text(max_length=20, pattern=LANGUAGE, shape="a language code such as en or pt-BR"), 1, "self")),
        "text": required(ListOf(Record({"title": required(Title), "body": required(Body)}), 1)),
        "categories": required(
            ListOf(
                Record({"code": required(Code), "title": required(Title), "description": required(Body)}),
                1,
                "code",
            )
        ),
        "scope": required(Body),
        "spaces": required(
            ListOf(
                Record(
                    {
                        "code": required(Code),
                        "title": required(Title),
                        "platform": required(Text(max_length=20, choices=PLATFORMS)),
                    }
                ),
                1,
                "code",
            )
        ),
        "ladder": required(
            ListOf(
                Record(
                    {
                        "code": required(Code),
                        "rank": required(Int(minimum=1)),
                        "title": required(Title),
                        "community_impact": required(Body),
                        "consequence": required(Body),
                        "needs_period": optional(Bool(), False),
                        "needs_no_contact": optional(Bool(), False),
                        "enforce": optional(ListOf(Text(max_length=20, choices=INTENTS), 0, "self"), []),
                    }
                ),
                1,
                "code",
                _check_ladder,
            )
        ),
        "outcomes": required(ListOf(Record({"code": required(Code), "title": required(Title)}), 1, "code")),
        "timelines": required(
            Record(
                {
                    "acknowledge_hours": required(Int(minimum=1)),
                    "first_followup_days": required(Int(minimum=1)),
                    "decision_target_days": required(Int(minimum=1)),
                },
                _check_timelines,
            )
        ),
        "decision_rule": required(
            Record(
                {
                    "kind": required(Text(max_length=20, choices=DECISION_KINDS)),
                    "fraction": optional(Text(max_length=10, pattern=FRACTION, shape='a fraction such as "2/3"'), None),
                    "permanent_ban_needs_majority_of_all": optional(Bool(), False),
                    "lazy_consensus_hours": optional(Int(minimum=1, nullable=True), None),
                },
                _check_decision_rule,
            )
        ),
        "appeal_window_days": required(Int(minimum=0)),
        "retention_days": required(Int(minimum=1)),
        "quorum": required(Record({"min_unconflicted": required(Int(minimum=0)), "min_not_hard_conflicted": required(Int(minimum=0))})),
        "outside_contact": required(Record({"name": required(Title), "email": required(Email), "url": optional(Url, "")})),
        "emergency": optional(
            ListOf(
                Record(
                    {
                        "title": required(Title),
                        "url": optional(Url, ""),
                        "phone": optional(Text(max_length=40, pattern=PHONE, shape="a phone number"), ""),
                    },
                    _check_emergency,
                )
            ),
            [],
        ),
        "stewards_contact": required(Email),
        "enforcement": optional(
            Record(
                {
                    "notify_first": optional(Bool(), True),
                    "check_in_days": optional(Int(minimum=1), 7),
                    "remind_before_end_days": optional(Int(minimum=0), 3),
                    "drift_check_hours": optional(Int(minimum=1), 24),
                    "notify_on_platform": optional(Bool(), False),
                    "share_bans": optional(Bool(), False),
                    "shared_ban_reason": optional(Text(max_length=200), "code of conduct violation"),
                },
                _check_enforcement,
            ),
            {},
        ),
        "translations": optional(MapOf(Text(max_length=20, pattern=LANGUAGE, shape="a language code such as es"), TRANSLATION), {}),
        "transparency": optional(
            Record(
                {
                    "period_months": optional(ListOf(Int(minimum=1), 1, check=_check_period_months), [6, 12]),
                    "suppress_below": optional(Int(minimum=1), 3),
                    "publish_delay_days": optional(Int(minimum=0), 0),
                    "surveys": optional(Bool(), True),
                }
            ),
            {},
        ),
    },
    _check_policy,
)


def parse_policy(text: str, source_name: str = "<policy>") -> Policy:
    """Validate YAML text and build the Policy; raises PolicyError listing every problem."""
    ctx = Context(source_name)
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise PolicyError([PolicyProblem(source_name, 1, "", f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = "; ".join(part for part in (exc.context, exc.problem) if part)
        raise PolicyError([PolicyProblem(source_name, line, "", f"YAML syntax error: {message}")]) from exc
    except yaml.YAMLError as exc:
        raise PolicyError([PolicyProblem(source_name, _reader_line(text, exc), "", f"not readable as YAML: {exc}")]) from exc
    except RecursionError as exc:
        raise PolicyError([PolicyProblem(source_name, 1, "", "YAML nested too deeply")]) from exc
    if root is None:
        raise PolicyError([PolicyProblem(source_name, 1, "", "the file is empty")])
    values = POLICY.read(ctx, root, "")
    if ctx.problems or values is BAD:
        raise PolicyError(sorted(ctx.problems, key=lambda p: p.line))
    return Policy.from_dict(values)


def load_policy_file(path: str | Path) -> Policy:
    """Read and validate a policy file; problems name the path as given."""
    return parse_policy(read_policy_text(path), str(path))


def read_policy_text(path: str | Path) -> str:
    """The file's text, or PolicyError when it cannot be read as UTF-8."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError([PolicyProblem(source, 1, "", f"cannot read file: {exc.strerror or exc}")]) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise PolicyError([PolicyProblem(source, 1, "", f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyError([PolicyProblem(source, line, "", "file is not valid UTF-8 text")]) from exc


def _reader_line(text: str, exc: yaml.YAMLError) -> int:
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
