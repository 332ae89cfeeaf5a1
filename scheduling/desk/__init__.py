"""Allocation at the front desk: patients, issuing and cancelling tokens, the admin actions."""
