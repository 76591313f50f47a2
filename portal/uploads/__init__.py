"""Spreadsheet uploads and bulk submissions, for every kind of record an app registers.

    columns.py   a kind's columns (name, label, type, required, limits) and how a cell is read
    checks.py    a kind's checks declared once, run in Python on rows or as SQL on a staging table
    specs.py     UploadSpec (what a kind holds, how its rows are checked), Prepared, Outcome
    files.py     reading a CSV/XLSX or a JSON array as a table; header checks; the template
    resource.py  django-import-export glue: check a table set-based, write it all-or-nothing
    models.py    UploadJob: a file checked first, then imported
    jobs.py      the job's flow: create → check (preview) → confirm → import, or discard
    views.py     the upload pages; api.py the bulk API endpoint's body

Apps register their kinds in their `hooks.py` with `portal.hooks.register_upload(spec)`.
This package imports no app: the specs bring the domain.
"""
