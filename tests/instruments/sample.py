"""A small hand-made definition whose numbers are easy to check by hand."""

from __future__ import annotations

import copy
from typing import Any

from app.instruments.checks import parse_definition
from app.instruments.models import Definition

_BANDS = [
    {"min": 1.0, "max": 2.5, "label": "Low"},
    {"min": 2.5, "max": 3.5, "label": "Mixed"},
    {"min": 3.5, "max": 5.0, "label": "Strong"},
]

SAMPLE: dict[str, Any] = {
    "id": "sample",
    "version": 1,
    "title": "Sample",
    "kind": "assessment",
    "description": "For tests.",
    "scales": {"five": {"min": 1, "max": 5, "labels": ["1", "2", "3", "4", "5"]}},
    "max_missing_fraction": 0.25,
    "gap_threshold": 1.0,
    "sections": [
        {
            "id": "main",
            "title": "Main",
            "items": [
                {"id": "s1", "type": "scale", "scale": "five", "text": "One"},
                {"id": "s2", "type": "scale", "scale": "five", "text": "Two", "reverse": True},
                {"id": "s3", "type": "scale", "scale": "five", "text": "Three"},
                {"id": "s4", "type": "scale", "scale": "five", "text": "Four"},
            ],
        },
        {
            "id": "extra",
            "title": "Extra",
            "items": [
                {"id": "yn", "type": "yes_no", "text": "Yes or no?"},
                {
                    "id": "pick",
                    "type": "single_choice",
                    "text": "Pick one",
                    "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                },
                {
                    "id": "many",
                    "type": "multiple_choice",
                    "text": "Pick any",
                    "options": [
                        {"value": "x", "label": "X"},
                        {"value": "y", "label": "Y"},
                        {"value": "z", "label": "Z"},
                    ],
                },
                {"id": "name", "type": "short_text", "text": "Name", "required": True},
                {"id": "story", "type": "long_text", "text": "Story", "max_length": 10},
                {"id": "when", "type": "date", "text": "When"},
                {"id": "kids", "type": "number", "text": "Kids", "min": 0, "max": 20},
                {"id": "weight", "type": "number", "text": "Anything"},
            ],
        },
    ],
    "subscales": {
        "trust": {
            "label": "Trust",
            "items": ["s1", "s2", "s3", "s4"],
            "reference_mean": 3.0,
            "reference_sd": 0.8,
            "reliability": 0.85,
            "provisional": True,
            "bands": _BANDS,
        }
    },
    "flags": [
        {"item": "yn", "when": {"equals": True}, "severity": "low", "message": "yn yes"},
        {"item": "pick", "when": {"equals": "b"}, "severity": "medium", "message": "picked b"},
        {"item": "many", "when": {"in": ["x", "y"]}, "severity": "low", "message": "x or y"},
        {"item": "s1", "when": {"at_least": 4}, "severity": "high", "message": "s1 high"},
        {"item": "s3", "when": {"at_most": 2}, "severity": "medium", "message": "s3 low"},
    ],
}


def sample_data() -> dict[str, Any]:
    """A fresh deep copy, safe to modify in a test."""
    return copy.deepcopy(SAMPLE)


def sample_definition() -> Definition:
    """The sample, validated."""
    return parse_definition(sample_data())
