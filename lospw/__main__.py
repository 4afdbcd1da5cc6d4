"""``python -m lospw`` runs the command line."""

from lospw.cli import main

if __name__ == "__main__":
    main()
