"""Celery discovers `requests_app.tasks`; the tasks live with their sub-domains."""

from . import workflow_tasks  # noqa: F401
from .letters import tasks as letter_tasks  # noqa: F401
