"""Giving a questionnaire: administrations, their status, and the private links that open them."""
