"""AWS clients from the ``aws_default`` connection, built by the amazon provider's hooks.

The one place that turns the connection into boto3 clients. Each holder of clients
builds each client it needs once (one connection lookup per service): a task on a
worker, a triggerer process for all the company tasks running there, the results page's
app for its requests (:mod:`enrichment.clients`). It passes the client to the functions
that call the service; nothing below builds its own. Local development points the same
connection at the local AWS endpoint through its ``endpoint_url`` extra.
"""

from __future__ import annotations

AWS_CONN_ID = "aws_default"


def s3_client(conn_id: str = AWS_CONN_ID):
    """A boto3 S3 client (``S3Hook``)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=conn_id).conn


def dynamodb_client(conn_id: str = AWS_CONN_ID):
    """A boto3 DynamoDB client (``DynamoDBHook``), for table administration."""
    from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook

    return DynamoDBHook(aws_conn_id=conn_id).client


def dynamodb_resource(conn_id: str = AWS_CONN_ID):
    """The boto3 DynamoDB service resource (``DynamoDBHook``): its ``Table(name)`` costs
    nothing more, so a holder of several tables builds this once."""
    from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook

    return DynamoDBHook(aws_conn_id=conn_id).conn


def dynamodb_table(table_name: str, conn_id: str = AWS_CONN_ID):
    """The boto3 ``Table`` resource of ``table_name`` (``DynamoDBHook``)."""
    return dynamodb_resource(conn_id).Table(table_name)


def comprehend_client(conn_id: str = AWS_CONN_ID):
    """A boto3 Comprehend client (``ComprehendHook``)."""
    from airflow.providers.amazon.aws.hooks.comprehend import ComprehendHook

    return ComprehendHook(aws_conn_id=conn_id).conn


def rekognition_client(conn_id: str = AWS_CONN_ID):
    """A boto3 Rekognition client; the provider has no Rekognition hook, so the generic
    ``AwsBaseHook`` with ``client_type="rekognition"`` builds it."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    return AwsBaseHook(aws_conn_id=conn_id, client_type="rekognition").conn


def logs_client(conn_id: str = AWS_CONN_ID, region_name: str | None = None):
    """A boto3 CloudWatch Logs client (``AwsLogsHook``), in the connection's region unless
    ``region_name`` names another."""
    from airflow.providers.amazon.aws.hooks.logs import AwsLogsHook

    return AwsLogsHook(aws_conn_id=conn_id, region_name=region_name).conn


def sns_client(conn_id: str = AWS_CONN_ID):
    """A boto3 SNS client (``SnsHook``), for the alert topic."""
    from airflow.providers.amazon.aws.hooks.sns import SnsHook

    return SnsHook(aws_conn_id=conn_id).conn


def secrets_manager_client(conn_id: str = AWS_CONN_ID):
    """A boto3 Secrets Manager client (``SecretsManagerHook``), for the bootstrap to write
    connections where the deployment's secrets backend reads them."""
    from airflow.providers.amazon.aws.hooks.secrets_manager import SecretsManagerHook

    return SecretsManagerHook(aws_conn_id=conn_id).conn


def account_id(conn_id: str = AWS_CONN_ID) -> str:
    """The AWS account the connection's credentials belong to (STS GetCallerIdentity,
    which needs no permission): what an ARN of the deployment's own resources names."""
    from airflow.providers.amazon.aws.hooks.sts import StsHook

    return StsHook(aws_conn_id=conn_id).get_account_number()
