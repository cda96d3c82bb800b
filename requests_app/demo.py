"""Demo requests for `seed_demo` (filled in by the requests_app work)."""


def seed(*, seed: int, users: dict) -> dict:
    return {}
