"""Answering and submitting once (one path for the link and in-session entry), and the flags raised."""
