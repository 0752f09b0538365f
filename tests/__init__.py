"""The test suite (pytest); shared builders live in ``tests.builders``."""
