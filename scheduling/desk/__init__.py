"""The front desk in the browser: overview, patients, tokens, slips and the doctor's console."""
