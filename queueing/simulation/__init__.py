"""The day simulation behind ``manage.py simulate_day``.

It builds a synthetic hospital (``hospital``), draws a day's demand from a seeded random source
(``demand``), plays it through the real engine services with the project's clock moved to each
event's simulated time (``runner``), and reports what the database then holds (``report``,
``charts``). No real department, doctor, patient or booking is read or changed.
"""
