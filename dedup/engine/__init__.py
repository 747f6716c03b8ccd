"""The detection engine: one run of stages over one corpus (see :mod:`dedup.engine.run`)."""
