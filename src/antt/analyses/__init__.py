"""One module per notebook: the glue that turns processed data into that notebook's estimates, findings and
tables. Built on ``reporting``, ``models`` and ``data``."""
