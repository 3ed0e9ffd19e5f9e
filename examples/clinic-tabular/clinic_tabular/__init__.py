"""A model and a data loader for sabfl, installed beside it: clinics train a diagnosis model together."""
