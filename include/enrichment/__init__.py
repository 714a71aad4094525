"""AI enrichment pipelines: the code behind the Airflow DAGs in ``dags/``.

Modules are light to import (heavy clients are imported inside the functions that use
them) so that DAG files can import them at parse time.
"""

AWS_CONN_ID = "aws_default"
