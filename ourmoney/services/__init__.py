"""Services: plain values in, plain values out; no web framework here."""
