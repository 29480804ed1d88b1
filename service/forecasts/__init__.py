"""Job-opening forecasts: stores and serves what ``labour_market`` computes (issue 5)."""
