"""Resumption filing against the negative list (备案制)."""
