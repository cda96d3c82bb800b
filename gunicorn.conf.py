"""gunicorn settings read from the working directory by every `gunicorn` command (Procfile).

The request line may be as long as gunicorn allows (8190 bytes, the default is 4094): an admin
list address carries its filters and a search of up to SEARCH_MAX_LENGTH (200) characters,
which percent-encoded in Japanese is up to 1,800 bytes. Such an address then reaches Django,
which answers a search that is too long with a clear page instead of gunicorn's raw error.
"""

limit_request_line = 8190
