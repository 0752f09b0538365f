"""Errors that stop a run. Their message is the one line the user sees."""


class RunFailure(Exception):
    """The run cannot publish: unreadable or missing extract, missing column, too many
    quarantined rows. ``str(error)`` names the file and the reason in one line."""
