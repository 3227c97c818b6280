"""The client's form at ``/q``: no account, one section per page, saved as they go."""
