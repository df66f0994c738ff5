"""`python -m reelkit` runs the CLI."""

from .cli import main

main()
