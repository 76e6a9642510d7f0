"""Inputs and the tidy dataset: schemas, reading and atomic writing, the codebook, cleaning, the data package,
and the researcher's own series. Built on the ground floor (``paths``, ``errors``, ``text``, ``numerals``) only."""
