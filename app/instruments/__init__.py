"""Questionnaire definitions as data: the models, their checks, the catalog and its version lock,
and reading and showing answers.

The lowest domain room: it imports nothing from the other domain packages, so scoring,
questionnaires, reports and the web can all build on it (see ARCHITECTURE.md).
"""
