"""Command-line interface: parse, call the library, print one line on error."""

from reelkit.cli.main import main

__all__ = ["main"]
