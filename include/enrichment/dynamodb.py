"""DynamoDB tables as boto3 ``Table`` resources, built by the provider's hook."""

from __future__ import annotations

from enrichment import AWS_CONN_ID


def dynamodb_table(table_name: str, conn_id: str = AWS_CONN_ID):
    """The boto3 Table resource for ``table_name``, from the connection ``conn_id``."""
    from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook

    return DynamoDBHook(aws_conn_id=conn_id).conn.Table(table_name)
