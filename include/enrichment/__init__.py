"""AI enrichment pipelines: the code behind the Airflow DAGs in ``dags/``.

One sub-package per pipeline, each holding that pipeline's settings, its logic and the
task-level functions its DAG calls:

- :mod:`enrichment.company_sentiment` (``dags/company_sentiment.py``): companies'
  Wikipedia leads and their Comprehend sentiment, one file per date;
- :mod:`enrichment.company_review` (``dags/company_review.py``): a person says which
  article a company is when company_sentiment could not;
- :mod:`enrichment.image_labels` (``dags/image_labels.py``): images of web sites,
  labelled by Rekognition;

:mod:`enrichment.wikipedia`, the MediaWiki API both Wikipedia pipelines read through;
the results pages of all three in the Airflow UI, :mod:`enrichment.results_page`
(served by ``plugins/enrichment_results.py``); and a few small shared modules beside
them: :mod:`enrichment.aws` (AWS clients from the connection), :mod:`enrichment.clients`
(clients built once per holder and shared by its threads), :mod:`enrichment.dynamodb`
(items read by key in batches), :mod:`enrichment.request_slots` (N requests in flight for
the whole deployment), :mod:`enrichment.storage` (S3 objects written whole),
:mod:`enrichment.run_date` (the date a run files its output under and the moment it
describes), :mod:`enrichment.settings` (settings dataclasses and the DAG Params built
from them) and :mod:`enrichment.bootstrap` (tables, bucket, seed, pool, task log
group), with :mod:`enrichment.task_logs` beside them, the logging configuration that
ships task logs to CloudWatch Logs or S3 (imported by Airflow's components, never by a
DAG file). Configuration files ship as package data in ``config/``.

Modules are light to import (heavy clients are imported inside the functions that use
them) so that DAG files can import them at parse time.
"""
