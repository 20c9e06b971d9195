"""Import a lender's own data: files in, the canonical tables out, nothing lost on the way.

The rooms, in the order a file passes through them:

- ``sources``: what a file is (CSV / Excel / Parquet / Reg AB II XML), its encoding, delimiter
  and columns; a folder expands to the files in it.
- ``readers``: the rows of a file as a DuckDB relation (CSV and Parquet read by DuckDB itself,
  Excel and XML streamed into a temporary table), each with its row number in the file.
- ``regab2_xml``: the streamed, DTD-refusing parser of SEC Form ABS-EE Exhibit 102 filings.
- ``fields`` and ``mapping``: the canonical fields, header-name suggestions (English, Chinese,
  Reg AB II) and the JSON mapping file.
- ``transform`` and ``regab2``: SQL that turns a file's rows into typed canonical fields.
- ``checks``: derived fields and the row-level reasons a row cannot be loaded.
- ``validate``: the checks across rows and files (duplicates, unknown loans, reopened loans)
  and the per-file counts behind the bad-share threshold.
- ``rejected``: the rejected rows, with their reasons and the rows as read.
- ``pipeline``: ``run_import``, which ties them together and writes through
  ``store.write_tables`` (one transaction); ``report``: what it returns.
"""

from analytics.ingest.mapping import Mapping, MappingOptions, suggest_mapping
from analytics.ingest.pipeline import run_import
from analytics.ingest.report import FileReport, ImportReport
from analytics.ingest.sources import Source, expand_paths, inspect_file

__all__ = [
    "FileReport",
    "ImportReport",
    "Mapping",
    "MappingOptions",
    "Source",
    "expand_paths",
    "inspect_file",
    "run_import",
    "suggest_mapping",
]
