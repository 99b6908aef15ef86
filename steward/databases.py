"""Connection settings that suit Steward's queries on each database engine."""

from typing import Any

# PostgreSQL's JIT compiles a query to machine code when the planner's cost estimate is high. Steward's
# page queries are estimated high (correlated EXISTS over large tables) but run in milliseconds through
# their indexes, so compiling took most of each request's time (issue #12: search 1,978 ms at p95).
POSTGRESQL_SESSION = ("-c jit=off",)


def postgresql_options(options: dict[str, Any]) -> dict[str, Any]:
    """`options` (from DATABASE_URL, e.g. sslmode) with Steward's session settings added to libpq's `options`."""
    given = str(options.get("options", "")).strip()
    extra = [setting for setting in POSTGRESQL_SESSION if setting not in given]
    return {**options, "options": " ".join(part for part in (given, *extra) if part)}
