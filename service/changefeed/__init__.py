"""The change feed: which companies' overview rows changed, numbered in commit order.

It sits below the domains: companies and placements record a change here inside their own
transaction, and the overview (the knowledge-sharing tool's sync) reads it. Neither side
imports the other, so the domains point one way. ``docs/overview.md`` explains the contract.
"""
