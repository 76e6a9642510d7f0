"""Everything a reader sees: the language catalogue and number formats (``language``), estimate wording
(``estimates``), where the numbers come from (``provenance``), what a notebook displays (``display``), figures,
the HTML pages and the results files. Shared by the analyses; built on ``models`` and ``data``."""
