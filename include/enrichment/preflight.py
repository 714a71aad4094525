"""What a run needs to exist before any of its work starts, checked in one go.

Each pipeline's settings name what its run uses (``needs()``: tables with the key the
code reads them by, buckets); with remote task logs or alerts on, the deployment adds
its log group and alert topic. The first task of each DAG checks them all
(:func:`check`) and fails at once, without retries, naming every one that is missing or
different and the command that makes them: a deployment upgraded without running the
bootstrap, or set up with other names, stops before its first company instead of failing
each company three times. ``python -m enrichment.bootstrap --check`` prints the same
list and changes nothing; the bootstrap itself makes what the list names.

The log group and the alert topic serve task logs and alerts, which never decide a run's
outcome: when CloudWatch Logs or SNS cannot be asked (down, throttling, no permission),
the check says so in a warning and the run goes on; only an answer that one does not
exist stops it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from airflow.sdk.exceptions import AirflowFailException

FIX = "python -m enrichment.bootstrap"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Table:
    """A DynamoDB table with a string partition key ``key`` and no sort key."""

    name: str
    key: str

    def __str__(self) -> str:
        return f"DynamoDB table {self.name} (key {self.key})"


@dataclass(frozen=True)
class Bucket:
    name: str

    def __str__(self) -> str:
        return f"S3 bucket {self.name}"


@dataclass(frozen=True)
class LogGroup:
    """The CloudWatch Logs group remote task logs go to, in ``region`` (None: the
    connection's)."""

    name: str
    region: str | None = None

    def __str__(self) -> str:
        return f"CloudWatch log group {self.name}"


@dataclass(frozen=True)
class Topic:
    """The SNS topic alerts go to."""

    name: str

    def __str__(self) -> str:
        return f"SNS topic {self.name}"


Resource = Table | Bucket | LogGroup | Topic


class SetupMissing(AirflowFailException):
    """What a run needs is missing or different; retrying cannot make it."""


def _error_code(error: Exception) -> str:
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")


def _table_problem(dynamodb, table: Table) -> str | None:
    try:
        described = dynamodb.describe_table(TableName=table.name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        return f"{table} does not exist"
    keys = [(key["AttributeName"], key["KeyType"]) for key in described["KeySchema"]]
    types = {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]}
    if keys != [(table.key, "HASH")] or types.get(table.key) != "S":
        found = ", ".join(f"{name} ({kind}, {types.get(name)})" for name, kind in keys)
        return f"{table} has the key {found} instead"
    return None


def _bucket_problem(s3, bucket: Bucket) -> str | None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket.name)
    except ClientError as error:
        if _error_code(error) in ("404", "NoSuchBucket"):
            return f"{bucket} does not exist"
        raise
    return None


def _not_checked(resource: Resource, error: Exception) -> None:
    log.warning(
        "Could not check %s (%s: %s); the run goes on, and may keep its task logs local or "
        "send no alert",
        resource,
        type(error).__name__,
        error,
    )


def _log_group_problem(logs, group: LogGroup) -> str | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        found = logs.describe_log_groups(logGroupNamePrefix=group.name, limit=50)["logGroups"]
    except (BotoCoreError, ClientError) as error:
        _not_checked(group, error)
        return None
    if not any(each["logGroupName"] == group.name for each in found):
        return f"{group} does not exist"
    return None


def _topic_problem(sns, account: str, topic: Topic) -> str | None:
    from botocore.exceptions import BotoCoreError, ClientError

    arn = topic_arn(sns.meta.region_name, account, topic.name)
    try:
        sns.get_topic_attributes(TopicArn=arn)
    except (BotoCoreError, ClientError) as error:
        if _error_code(error) in ("NotFound", "NotFoundException"):
            return f"{topic} does not exist"
        _not_checked(topic, error)
    return None


def topic_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def problems(needed: Iterable[Resource]) -> list[str]:
    """What is missing or different of ``needed``, one line each (empty: all there),
    through the ``aws_default`` connection, one client per service asked."""
    from enrichment import aws

    needed = list(dict.fromkeys(needed))
    found: list[str | None] = []
    kinds = {type(resource) for resource in needed}
    if Table in kinds:
        dynamodb = aws.dynamodb_client()
        found += [_table_problem(dynamodb, r) for r in needed if isinstance(r, Table)]
    if Bucket in kinds:
        s3 = aws.s3_client()
        found += [_bucket_problem(s3, r) for r in needed if isinstance(r, Bucket)]
    for group in (r for r in needed if isinstance(r, LogGroup)):
        found.append(_log_group_problem(aws.logs_client(region_name=group.region), group))
    if Topic in kinds:
        sns = aws.sns_client()
        account = aws.account_id()
        found += [_topic_problem(sns, account, r) for r in needed if isinstance(r, Topic)]
    return [problem for problem in found if problem]


def deployment_needs(alerts_topic: str) -> list[Resource]:
    """What the deployment adds to every run: with remote task logs on, their log group
    (or the bucket of their S3 folder); with alerts on, the topic."""
    from enrichment import task_logs

    needed: list[Resource] = []
    where = task_logs.destination()
    if where is not None and where[0] == "cloudwatch":
        folder = task_logs.configured_folder()
        needed.append(LogGroup(where[1], task_logs.region_of(folder)))
    elif where is not None:
        needed.append(Bucket(where[1].removeprefix("s3://").partition("/")[0]))
    if alerts_topic:
        needed.append(Topic(alerts_topic))
    return needed


def check_run(settings) -> None:
    """The first task of a run: everything its settings (a pipeline's, with ``needs()``
    and ``alerts_topic``) and the deployment need, or :class:`SetupMissing`."""
    check([*settings.needs(), *deployment_needs(settings.alerts_topic)])


def check(needed: Iterable[Resource]) -> None:
    """Raise :class:`SetupMissing` naming everything of ``needed`` that is missing or
    different, and the command that makes it."""
    found = problems(needed)
    if found:
        listed = "\n".join(f"- {problem}" for problem in found)
        raise SetupMissing(
            f"This run's set-up is incomplete:\n{listed}\nRun `{FIX}` (it creates what is "
            "missing and changes nothing that is there; it is also the upgrade step), then "
            "clear this run. A table or bucket of another name: pass its name in the run's "
            "Params."
        )
