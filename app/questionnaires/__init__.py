"""Questionnaires given to clients: administrations and their private links, the public form,
answering and submitting (with flags), and score histories. See ARCHITECTURE.md for the rooms."""
