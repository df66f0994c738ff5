"""reelkit: turn a scripted outline and raw footage into captioned, branded vertical videos."""

__version__ = "0.1.0"
