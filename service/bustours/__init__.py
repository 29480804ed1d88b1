"""Bus tours: a company list and route for a group of citizens (issue 8)."""
