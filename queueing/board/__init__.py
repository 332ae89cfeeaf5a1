"""Public pages without login: the waiting-hall display board and a token's status page."""
