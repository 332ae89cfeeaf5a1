"""Hindi dates and times as the OPD's pages write them.

Full month names (Django's Hindi three-letter month abbreviations are not in common use), a
comma after the weekday as Hindi print writes it, and the 24-hour clock that the hospital's
boards and slips use. Django's own ``hi`` formats fill in everything not set here.
"""

DATE_FORMAT = "l, j F Y"  # सोमवार, 2 मार्च 2026
SHORT_DATE_FORMAT = "D, j F Y"  # सोम, 2 मार्च 2026
MONTH_DAY_FORMAT = "D, j F"  # सोम, 2 मार्च
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D, j F Y, H:i"
SHORT_DATETIME_FORMAT = "j F, H:i"
