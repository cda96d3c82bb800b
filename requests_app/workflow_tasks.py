"""Workflow tasks (lapse, identity-document purge)."""
