"""`python -m reelkit` runs the CLI."""

from reelkit.cli.main import main

main()
