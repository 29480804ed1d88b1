"""Labour-market knowledge for Kantmatch: readers, the job-opening forecast and its backtest.

A pure package: numpy, pandas and scikit-learn over tables, no web framework and no database.
The service (``service.forecasts``) stores and serves what it computes.
"""
