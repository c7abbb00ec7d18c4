"""Renderers: turn results (pure data) into tables and text. They never print."""
