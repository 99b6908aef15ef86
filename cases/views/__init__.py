"""The stewards' case handling. Every view reaches its case through cases.access and changes it through cases.actions."""

from cases.views.declarations import correct_declarations, recuse
from cases.views.detail import declare, detail, reveal_identity
from cases.views.files import evidence_download
from cases.views.queue import queue
from cases.views.writes import (
    acknowledge,
    add_evidence,
    add_note,
    add_party,
    assign_shepherd,
    change_status,
    merge,
    record_naming_consent,
    send_message,
    set_soft_read,
    update_triage,
)

__all__ = [
    "acknowledge",
    "add_evidence",
    "add_note",
    "add_party",
    "assign_shepherd",
    "change_status",
    "correct_declarations",
    "declare",
    "detail",
    "evidence_download",
    "merge",
    "queue",
    "record_naming_consent",
    "recuse",
    "reveal_identity",
    "send_message",
    "set_soft_read",
    "update_triage",
]
