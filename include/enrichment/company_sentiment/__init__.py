"""The ``company_sentiment`` pipeline (``dags/company_sentiment.py``).

Scan the DynamoDB table of companies, then for each company (one mapped task, started
in the triggerer) read its Wikipedia lead as it stood at the run's moment and ask AWS
Comprehend for its sentiment, then write one file per date.

- :mod:`.settings`: every default and limit; the DAG's Params are built from it.
- :mod:`.tasks`: what each task does, given the settings (``enrich`` on a worker).
- :mod:`.operator`: the ``enrich`` operator, started in the triggerer or run on workers.
- :mod:`.trigger`: what runs in the triggerer, one process's clients and coalesced calls
  for all its company tasks; :mod:`.triggerer_internals`: the Airflow internals it needs
  (the run's inputs, the row as XCom, the company's name in the UI), in one place.
- :mod:`.batched_calls`: the two batched calls (leads of many titles, sentiments of many
  texts) with their holder's clients; :mod:`.coalescer`: many companies' asks gathered
  into those calls.
- :mod:`.article_leads`: the leads of titles as they stood at a moment, from Wikipedia
  (:mod:`enrichment.wikipedia`) and the caches :mod:`.page_timelines` and
  :mod:`.revision_texts` (DynamoDB).
- :mod:`.comprehend` (BatchDetectSentiment) and :mod:`.sentiment_cache` (DynamoDB cache
  of its answers); :mod:`.companies` (the DynamoDB table of companies).
- :mod:`.rows` (one :class:`~.rows.Row` per company, a failed try's row) and
  :mod:`.result_file` (the dated CSV or Parquet file written and read back, its key, the
  error budget).
"""
