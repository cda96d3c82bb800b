"""The production settings, plus the stock-admin reference site (bench.stock_urls) only.

Served by a second gunicorn in the benchmark: the project's own pages keep exactly the
production settings.
"""

from privacyoffice.settings import *  # noqa: F403  # the same settings, one change

ROOT_URLCONF = "bench.stock_urls"
