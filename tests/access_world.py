"""The people and objects the access matrix (test_access_matrix.py) walks every URL with."""

from dataclasses import dataclass

from django.test import Client

from cases.models import Case, Evidence


@dataclass
class Persona:
    name: str
    client: Client
    # What this persona may do with the matrix case: None (nothing), or a set of needs.
    needs: frozenset[str]
    steward: bool = False
    admin: bool = False
    link: str | None = None  # REPORTER or PARTY: which secret link this persona holds
    link_ok: bool = False  # the real secret, or a forged one
    # What they may do with the case another case was joined into (the default: nothing).
    needs_on_joined: frozenset[str] = frozenset()


@dataclass
class CaseUnderTest:
    """The values a case URL is built from."""

    code_name: str
    reference: str
    evidence_pk: int


@dataclass
class World:
    case: Case
    reference: str
    secret: str
    party_token: str
    party_link_id: int
    evidence: Evidence
    personas: list[Persona]
    target: CaseUnderTest  # the case that a second case was joined into
    joined: CaseUnderTest  # the joined case's old name (its report and file now live in the target)

    @property
    def main(self) -> CaseUnderTest:
        return CaseUnderTest(self.case.code_name, self.reference, self.evidence.pk)
