"""Delivery around the rendered files: platform checks, loudness, MP4 atoms, cover, metadata."""
