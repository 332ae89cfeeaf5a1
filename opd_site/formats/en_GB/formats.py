"""British English dates and times as the OPD's pages write them (24-hour clock).

Templates name a format (``{{ day|date:"DATE_FORMAT" }}``) instead of spelling one, so each
language writes its own month and weekday names in its own order. Django's own en_GB formats
fill in everything not set here (input formats, separators).
"""

DATE_FORMAT = "l j F Y"  # Monday 2 March 2026: page headings
SHORT_DATE_FORMAT = "D j M Y"  # Mon 2 Mar 2026: slips, birth dates
MONTH_DAY_FORMAT = "D j M"  # Mon 2 Mar: within the booking window
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "D j M Y, H:i"  # Mon 2 Mar 2026, 14:30
SHORT_DATETIME_FORMAT = "j M H:i"  # 2 Mar 14:30: history rows, payments
