"""Audit for discipline inspectors: the journal's pages, CSV export and integrity checks."""
