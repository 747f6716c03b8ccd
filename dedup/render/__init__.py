"""Renderers: turn results into text on a stream, one record at a time."""
