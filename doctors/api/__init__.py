"""The REST API v1 of this app."""
