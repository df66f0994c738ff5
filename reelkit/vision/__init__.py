"""Facts about the picture: faces, their tracks, shot changes (analyses, no decisions)."""
