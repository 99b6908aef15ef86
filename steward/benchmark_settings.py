"""Settings for `scripts/benchmark.py`: the production settings plus one bare page to compare against.

The server is started exactly as `make run` starts it, with DJANGO_SETTINGS_MODULE pointing here, so the
only difference from production is the extra URL (steward.benchmark_urls).
"""

from steward.settings import *  # noqa: F403

ROOT_URLCONF = "steward.benchmark_urls"
