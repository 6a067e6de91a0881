"""The nightly marts (DESIGN §5): pure Ibis transforms, `Table → Table`, one function per output
table. Nothing here reads or writes files; `analytics/nightly.py` materialises them.

Money is integer fen (int64) throughout; a division happens once, at the end, rounding half up
on integers (`div_half_up`), so DuckDB and Spark agree to the fen.
"""
