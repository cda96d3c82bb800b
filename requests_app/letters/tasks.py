"""Letter and deadline-alert tasks."""
