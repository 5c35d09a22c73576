"""Harvesters that federate migration data catalogues, and the mapping they share."""
