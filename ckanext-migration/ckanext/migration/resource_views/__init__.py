"""Resource previews drawn on the server from the DataStore: a time-series chart and a
world map (IResourceView plugins in ``plugin.py``).

``columns`` picks the time, numeric, country and dimension columns of a table;
``aggregate`` sums the numeric column by period (and series); ``svgchart`` lays out the
line chart; ``datastore`` reads the rows. Only ``datastore`` and ``plugin`` import CKAN.
"""
