"""English formats: Django's, with the 24-hour clock.

Django's English time format ("P": "2:30 p.m.", "midnight") ends in a full stop of its own,
so every sentence ending with a time read "p.m..". The portal runs on Central European time
for a European audience; "14:30" is unambiguous and matches the German pages.
"""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
# Short dates as ISO 8601: "12/07/2026" reads as 7 December in the US and 12 July in Europe.
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
