"""Drafting and checking a source's figures: ``extract`` drafts rows from an article's text, ``evidence`` checks
that every evidence phrase and number is where the rows say. Built on the ground floor and ``data``."""
