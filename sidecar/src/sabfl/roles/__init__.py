"""Sidecar roles: where the ML core meets the chain (validator, participant, task tooling, demo)."""
