"""What intake tells the rest of Steward, so intake need not know who listens (notifications does)."""

from django.dispatch import Signal

# Sent inside the transaction that stores a new report and its case, after its parties, excluded stewards and
# evidence are written (so a receiver sees who is automatically hard-conflicted). Arguments: case, report, held
# (True when the report was held as a possible flood). A receiver's rows commit or roll back with the report.
report_received = Signal()
