"""antt: traceable statistics on community security and order (ANTT) in Hà Nam province."""

__version__ = "0.1.0"
