# expect: dates.trained_model
# feedback: do not come from the saved model
# The trained dates_v1.keras and dates_v2.keras sit beside the file, but convert_date_strs
# never reads them: it parses the date with datetime.
from datetime import datetime as _datetime


def convert_date_strs(date_strs):
    return [_datetime.strptime(s, "%B %d, %Y").strftime("%Y-%m-%d") for s in date_strs]
