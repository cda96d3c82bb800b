"""Benchmarks at a carmaker's scale (issue 8).

`python -m bench --scale full|small|tiny` loads PostgreSQL with synthetic data through COPY, then
measures each figure of the issue several times through the project's own code paths (admin
views through Django's test client, services, tasks, exports), side by side with the references
(psql `\\copy`, bare WeasyPrint, django-import-export), prints a table and writes
`bench/results.json`.
"""
