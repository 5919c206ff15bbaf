"""Organisations, users, roles, API tokens, web sessions and the acting user (`Actor`).

Import the submodules directly (`citybase.accounts.users`, ...); this package re-exports nothing so the
ledger can import `Actor` without pulling in the services that write to the ledger.
"""
