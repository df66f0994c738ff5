"""Reframing decisions: the crop of each cut and the virtual camera that follows a subject."""
