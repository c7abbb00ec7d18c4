"""``python -m provenance`` runs the command-line interface."""

from provenance.cli import main

if __name__ == "__main__":
    main()
