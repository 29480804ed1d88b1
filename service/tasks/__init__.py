"""Task catalogue: sector cards, the free-text normaliser, task openings (Spot et job)."""
