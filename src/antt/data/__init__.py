"""Inputs and the tidy dataset: schemas, reading and atomic writing, the codebook, cleaning, the data package,
the researcher's own series, and SYNTHETIC raw data for benchmarks and scale tests. Built on the ground floor
(``paths``, ``errors``, ``text``, ``numerals``) only."""
