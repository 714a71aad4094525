"""The ``company_sentiment`` pipeline (``dags/company_sentiment.py``).

Scan the DynamoDB table of companies, then for each company (one mapped task) fetch its
Wikipedia intro and ask AWS Comprehend for its sentiment, then write one CSV per date.

- :mod:`.settings`: every default and limit; the DAG's Params are built from it.
- :mod:`.tasks`: what each task does, given the settings.
- :mod:`.companies` (DynamoDB table), :mod:`.wikipedia` (MediaWiki API),
  :mod:`.comprehend` (DetectSentiment): one module per external system.
- :mod:`.rows` (one row per company) and :mod:`.result_file` (the dated CSV).
"""
