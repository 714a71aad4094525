"""The AWS stand-in with IAM enforced (dev/enforcing_aws.py, dev/standins/aws_iam.py), over
real HTTP: its own additions (BatchDetectSentiment, DetectLabels and its read of the S3
object) answer a caller the policy allows and refuse one it does not, as AWS does, and
moto's refusals have AWS's shapes."""

from __future__ import annotations

import io

import pytest
from botocore.exceptions import ClientError

from dev.enforcing_aws import EnforcingAws, as_moto_enforces, shipped_policy
from dev.standins.aws_control import AwsControl
from dev.standins.aws_iam import S3_UNREADABLE

BUCKET = "fangsentiment"
IMAGE = "images/red.png"
ELSEWHERE = "reports/red.png"


def policy(*statements: tuple[list[str], list[str]]) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resources}
            for actions, resources in statements
        ],
    }


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    from PIL import Image

    with EnforcingAws.running(tmp_path_factory.mktemp("aws-iam")) as aws:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        image = io.BytesIO()
        Image.new("RGB", (64, 64), (220, 40, 40)).save(image, "PNG")
        for key in (IMAGE, ELSEWHERE):
            s3.put_object(Bucket=BUCKET, Key=key, Body=image.getvalue())
        yield aws


@pytest.fixture
def control(aws):
    control = AwsControl(aws.url)
    control.reset()
    return control


def refusal(call) -> tuple[str, int, str]:
    """The error code, HTTP status and message a refused call got."""
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response
    return (
        error["Error"]["Code"],
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"].get("Message", ""),
    )


def user_arn(name: str) -> str:
    return f"arn:aws:iam::123456789012:user/{name}"


def test_only_an_iam_users_key_is_let_in(aws):
    import boto3

    dummy = boto3.client(
        "dynamodb",
        endpoint_url=aws.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert refusal(dummy.list_tables)[:2] == ("UnrecognizedClientException", 400)
    assert "TableNames" in aws.client("dynamodb").list_tables()


def test_batch_detect_sentiment_answers_the_allowed_and_refuses_the_others(aws, control):
    allowed = aws.user("comprehend", policy((["comprehend:BatchDetectSentiment"], ["*"])))
    other = aws.user("no-comprehend", policy((["rekognition:DetectLabels"], ["*"])))
    texts = {"TextList": ["An acclaimed, award-winning company."], "LanguageCode": "en"}

    answer = aws.client("comprehend", allowed).batch_detect_sentiment(**texts)
    assert answer["ResultList"][0]["Sentiment"] == "POSITIVE"
    code, status, message = refusal(
        lambda: aws.client("comprehend", other).batch_detect_sentiment(**texts)
    )
    assert (code, status) == ("AccessDeniedException", 400)
    assert message.startswith(
        f"User: {user_arn('no-comprehend')} is not authorized to perform: "
        "comprehend:BatchDetectSentiment"
    )
    assert control.denied() == [f"{user_arn('no-comprehend')} comprehend:BatchDetectSentiment"]


def test_detect_labels_needs_its_action_and_the_callers_read_of_the_object(aws, control):
    images = f"arn:aws:s3:::{BUCKET}/images/*"
    both = aws.user(
        "labels", policy((["rekognition:DetectLabels"], ["*"]), (["s3:GetObject"], [images]))
    )
    no_read = aws.user("labels-no-read", policy((["rekognition:DetectLabels"], ["*"])))
    no_labels = aws.user("read-no-labels", policy((["s3:GetObject"], [images])))

    def detect(key, name: str = IMAGE):
        return aws.client("rekognition", key).detect_labels(
            Image={"S3Object": {"Bucket": BUCKET, "Name": name}}, MinConfidence=50
        )

    assert detect(both)["Labels"][0]["Name"] == "Red"
    # Rekognition reads the object with the caller's permissions, and answers as for a
    # missing object when it may not.
    assert refusal(lambda: detect(no_read)) == ("InvalidS3ObjectException", 400, S3_UNREADABLE)
    assert refusal(lambda: detect(both, ELSEWHERE))[0] == "InvalidS3ObjectException"
    assert refusal(lambda: detect(both, "images/missing.png"))[2] == S3_UNREADABLE
    assert refusal(lambda: detect(no_labels))[:2] == ("AccessDeniedException", 400)
    assert control.denied() == [
        f"{user_arn('labels-no-read')} s3:GetObject",
        f"{user_arn('labels')} s3:GetObject",
        f"{user_arn('read-no-labels')} rekognition:DetectLabels",
    ]


def test_head_bucket_needs_list_bucket_as_on_aws(aws, control):
    lister = aws.user("lister", policy((["s3:ListBucket"], [f"arn:aws:s3:::{BUCKET}"])))
    reader = aws.user("reader", policy((["s3:GetObject"], [f"arn:aws:s3:::{BUCKET}/*"])))

    aws.client("s3", lister).head_bucket(Bucket=BUCKET)
    assert refusal(lambda: aws.client("s3", reader).head_bucket(Bucket=BUCKET))[:2] == ("403", 403)
    assert control.denied() == [f"{user_arn('reader')} s3:ListBucket"]


def test_refusals_have_the_codes_aws_answers_with(aws):
    nobody = aws.user("nobody", policy((["s3:ListBucket"], ["arn:aws:s3:::elsewhere"])))
    topic = "arn:aws:sns:us-east-1:123456789012:enrichment-alerts"
    calls = {
        "dynamodb": lambda: aws.client("dynamodb", nobody).scan(TableName="fang"),
        "logs": lambda: aws.client("logs", nobody).describe_log_groups(),
        "secretsmanager": lambda: aws.client("secretsmanager", nobody).get_secret_value(
            SecretId="airflow/connections/wikipedia_default"
        ),
        "sns": lambda: aws.client("sns", nobody).get_topic_attributes(TopicArn=topic),
        "s3": lambda: aws.client("s3", nobody).get_object(Bucket=BUCKET, Key=IMAGE),
    }
    codes = {service: refusal(call)[:2] for service, call in calls.items()}
    assert codes == {
        "dynamodb": ("AccessDeniedException", 400),
        "logs": ("AccessDeniedException", 400),
        "secretsmanager": ("AccessDeniedException", 400),
        "sns": ("AuthorizationError", 403),
        "s3": ("AccessDenied", 403),
    }


def test_moto_matches_arns_of_s3_only_so_the_tests_widen_the_others(aws, control):
    """An exact table ARN is never matched (moto authorises DynamoDB against ``*``): the
    shipped policy as it is would refuse every DynamoDB call here. Widened, DynamoDB is
    allowed and S3 is still held to the exact prefixes."""
    exact = aws.user("exact", shipped_policy("pipelines.json"))
    widened = aws.user("widened", as_moto_enforces(shipped_policy("pipelines.json")))

    scan = {"TableName": "fang"}
    assert refusal(lambda: aws.client("dynamodb", exact).scan(**scan))[0] == (
        "AccessDeniedException"
    )
    assert refusal(lambda: aws.client("dynamodb", widened).scan(**scan))[0] == (
        "ResourceNotFoundException"  # allowed; the table is not made in this module
    )
    s3 = aws.client("s3", widened)
    assert s3.get_object(Bucket=BUCKET, Key=IMAGE)["ContentLength"] > 0
    assert refusal(lambda: s3.get_object(Bucket=BUCKET, Key=ELSEWHERE))[0] == "AccessDenied"
    assert control.denied() == [
        f"{user_arn('exact')} dynamodb:Scan",
        f"{user_arn('widened')} s3:GetObject",
    ]
