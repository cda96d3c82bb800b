"""gunicorn settings read from the working directory by every `gunicorn` command (Procfile).

Workers and threads: three worker processes of four threads each (`gthread`). A request that
waits on something outside the database — a letter's render task published to a broker that does
not answer, bounded by LETTER_PUBLISH_TIMEOUT — then holds one thread, not a whole process, and
the other pages keep answering (issue 20: with three sync workers, three presses on a frozen
broker held every worker and an auditor's page waited behind them). Django and this project keep
no per-request state in module globals, and each thread has its own database connection
(CONN_MAX_AGE): at most workers × threads connections per web host. `WEB_CONCURRENCY` and
`WEB_THREADS` override both.

The request line may be as long as gunicorn allows (8190 bytes, the default is 4094): an admin
list address carries its filters and a search of up to SEARCH_MAX_LENGTH (200) characters,
which percent-encoded in Japanese is up to 1,800 bytes. Such an address then reaches Django,
which answers a search that is too long with a clear page instead of gunicorn's raw error.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 60
limit_request_line = 8190
