"""Run OurMoney with `python -m ourmoney`."""

from ourmoney.cli import run

if __name__ == "__main__":
    run()
