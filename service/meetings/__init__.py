"""Network meetings for companies (netvaerksmoeder) and which companies attended."""
