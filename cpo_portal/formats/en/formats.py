"""English formats: Django's, with the 24-hour clock.

Django's English time format ("P": "2:30 p.m.", "midnight") ends in a full stop of its own,
so every sentence ending with a time read "p.m..". The portal runs on Central European time
for a European audience; "14:30" is unambiguous and matches the German pages.
"""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
