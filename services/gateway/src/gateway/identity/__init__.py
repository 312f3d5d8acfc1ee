"""Who the staff are and what they may do: accounts, roles, passwords, tokens, rate limits.

Pure rules (no I/O): `roles`, `accounts`, `passwords`, `tokens`, `rate_limit`, `schemas`.
MongoDB: `store`. The login, refresh and admin use cases: `service`. Console scripts: `cli`.
"""
