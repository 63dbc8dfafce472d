"""Plans: concrete, reviewable actions (with preconditions and inverses) built from a diagnosis."""
