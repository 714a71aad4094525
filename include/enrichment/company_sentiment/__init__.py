"""The ``company_sentiment`` pipeline (``dags/company_sentiment.py``).

Scan the DynamoDB table of companies, then for each company (one mapped task, started
in the triggerer) fetch its Wikipedia intro and ask AWS Comprehend for its sentiment,
then write one file per date.

- :mod:`.settings`: every default and limit; the DAG's Params are built from it.
- :mod:`.tasks`: what each task does, given the settings (``enrich`` on a worker).
- :mod:`.operator` (the ``enrich`` operator: in the triggerer, or on workers),
  :mod:`.trigger` (what runs in the triggerer: one process's shared clients and
  coalescers) and :mod:`.task_names` (company names in the UI, through the Execution API).
- :mod:`.company_rows` (one company -> its row, the calls of concurrent companies
  coalesced by :mod:`.coalescing` into :mod:`.batched_calls`).
- :mod:`.companies` (DynamoDB table), :mod:`.wikipedia` (MediaWiki API),
  :mod:`.comprehend` (BatchDetectSentiment), :mod:`.sentiment_cache` (DynamoDB cache of
  its answers): one module per external system.
- :mod:`.leads` (a revision's wikitext of section 0 -> the plain text of its lead, or why
  it has none; its first sentences): pure, no network.
- :mod:`.rows` (one row per company, a failed try's row) and :mod:`.result_file` (the
  dated CSV or Parquet file, its key, the error budget).
"""
