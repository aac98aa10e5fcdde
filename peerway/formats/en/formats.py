"""English date formats for Canada (decision 27: One date format per language).

Django's English short formats are American (03/07/2026), which a Canadian reader may take
for 3 July. Canadian usage and the French short format agree on ISO 8601 (2026-03-07), so
both languages use it in tables; prose uses the language's long format (March 7, 2026;
7 mars 2026). Only the keys below are replaced; every other English format is Django's.
"""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
