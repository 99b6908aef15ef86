"""The scheduled erasure. It takes no objects, and running it twice erases nothing twice."""

import logging

from django.tasks import task

from privacy.erasure import due_case_ids, erase_case

logger = logging.getLogger(__name__)


@task()
def erase_expired_cases() -> int:
    """Erase every case past its retention date without a legal hold; return how many were erased."""
    erased = 0
    for case_id in due_case_ids():
        if erase_case(case_id):
            erased += 1
    if erased:
        logger.info("Erased %d case(s) at their retention date", erased)
    return erased
