"""Cut decisions: outline segments on the output timeline, and the script-driven cut of raw takes."""
