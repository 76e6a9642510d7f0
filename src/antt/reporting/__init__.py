"""Everything a reader sees: the language catalogue and number formats, estimate wording, tables on the page,
figures, the HTML pages and the results files. Built on ``models`` and ``data``."""
