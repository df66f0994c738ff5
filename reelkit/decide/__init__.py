"""The one orchestrator of deciding: outline + analyses -> a frozen Plan."""
