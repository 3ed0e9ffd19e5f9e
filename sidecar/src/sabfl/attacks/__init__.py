"""Byzantine behaviour, kept outside the honest code path: participants forge updates, validators lie."""
