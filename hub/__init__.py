"""The OurMoney hub: a small relay of change pages between a household's devices, on PostgreSQL."""
