"""Protective supplies: items, warehouses, the stock ledger and requests."""
