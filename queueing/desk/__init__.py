"""Serving at the front desk: the day's overview, a token's page and slip, the doctor's console."""
