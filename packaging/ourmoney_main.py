"""Entry point of the single-file binary: the `ourmoney` command (no command: the window)."""

from ourmoney.cli import run

if __name__ == "__main__":
    run(prog_name="ourmoney")
