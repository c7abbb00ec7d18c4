#!/usr/bin/env python3
"""Thin launcher: ``python cli.py ...`` behaves exactly like ``provenance ...``."""

from provenance.cli import main

if __name__ == "__main__":
    main()
