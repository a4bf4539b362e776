"""OurMoney: an offline-first personal and household finance tracker."""

__version__ = "0.1.0"
