"""Matching: pair features, the model pipeline, explanations and suggestions.

The numeric modules (features, synthetic, model) are pure: numpy, pandas and scikit-learn over
arrays, no FastAPI and no database. service.py gathers the arrays from the database.
"""
