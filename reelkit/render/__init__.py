"""Rendering a plan: pure ffmpeg argv builders, the ffmpeg engine and the MoviePy engine."""
