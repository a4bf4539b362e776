"""Entry point of the single-file binary: the `ourmoney` command (no command: the window)."""

from ourmoney.cli import main

if __name__ == "__main__":
    main(prog_name="ourmoney")
