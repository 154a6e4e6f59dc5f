"""Grid demand-response and virtual power plant simulator for industrial and commercial parks."""

__version__ = "0.1.0"
