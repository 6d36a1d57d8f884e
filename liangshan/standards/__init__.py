"""Standards-based calculators: pure, vectorized functions, one module per subject.

Nothing in this package knows about the database, the web or the CLI. Each module cites the
standard (number, edition, clause) it implements and keeps its tables as data.
"""
