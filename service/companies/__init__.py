"""Companies: CVR and industry codes, the register, contacts, requirements and imports."""
