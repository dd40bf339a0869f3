"""Accounts: users, groups (roles), their permissions and API tokens, changed journaled."""
