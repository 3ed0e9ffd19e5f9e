"""Flower simulation of sabfl's demo task: digits, 10 clients with Dirichlet label skew, 3 attack."""
