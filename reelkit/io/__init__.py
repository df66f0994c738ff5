"""Input/output helpers shared by every stage: the ffmpeg runner, probing, YAML with line
numbers, paths and atomic writes."""
