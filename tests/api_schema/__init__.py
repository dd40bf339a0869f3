"""Tests that hold the API to its OpenAPI schema (issue 10)."""
