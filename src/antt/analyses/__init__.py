"""One module per notebook, holding its glue, its tables and its findings: ``cleaning`` (01), ``province`` (02),
``intervention`` (03), ``validation`` (04). Built on ``reporting``, ``models`` and ``data``; an analysis never
imports another (what two share lives in ``reporting``)."""
