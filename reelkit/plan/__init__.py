"""Deciding the edit: outline model and loading, timeline, reframe, platform presets, the plan
model (``reelkit.plan.model``) and building it (``reelkit.decide.build``)."""
