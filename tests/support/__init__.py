"""Helpers shared by the tests: plain modules, imported by name.

A test module imports its helpers from here (or from a plain module next to
it), never from another test module or from a conftest; conftests only expose
fixtures. ``tests/test_layout.py`` checks this.
"""
