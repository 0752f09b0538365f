"""workforce-stability: nightly workforce analytics for a children's services trust."""

__version__ = "0.1.0"
