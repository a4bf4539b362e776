"""Run OurMoney with `python -m ourmoney`."""

from ourmoney.cli import main

if __name__ == "__main__":
    main()
