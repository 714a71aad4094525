"""IAM on the AWS stand-in as AWS enforces it.

moto's server mode enforces IAM once ``POST /moto-api/reset-auth`` (or
``INITIAL_NO_AUTH_ACTION_COUNT``) says so: from then on every call must be signed with the
access key of an IAM user made through its IAM API, and the user's policies must allow the
call's action (``dev/enforcing_aws.py`` starts such an instance). moto 5.2 matches
resource ARNs only for S3, SQS, IAM and STS; every other service's call is authorised
against the resource ``*``. Its check runs before any handler, the stand-in's own
(BatchDetectSentiment, DetectLabels) included. What moto gets different from AWS is put
right here, for every instance of the stand-in (none of it matters while IAM is off):

- S3's HeadBucket needs ``s3:ListBucket``, as AWS documents; moto asks for an
  ``s3:HeadBucket`` that no policy can grant.
- A refusal has the shape AWS gives it: ``AccessDeniedException`` in a JSON body (HTTP
  400) for the JSON services (DynamoDB, Comprehend, Rekognition, Secrets Manager,
  CloudWatch Logs), ``AuthorizationError`` for SNS, and an unknown access key is
  ``UnrecognizedClientException`` there. moto answers every service in XML
  (``AccessDenied``, ``InvalidClientTokenId``), which botocore reads as the error code
  ``403`` from a JSON service.
- The stand-in's own reads on a caller's behalf are the caller's: Rekognition reads an
  image given by S3 reference with the caller's permissions (:func:`caller_may`), and
  answers ``InvalidS3ObjectException`` with :data:`S3_UNREADABLE` when it may not, as it
  does for a missing object (Rekognition's error-handling page quotes that message).

Every refusal is kept in :data:`DENIED` (who, which action), which the stand-in's
``/__control__/stats`` lists: a test sees that a run was refused nothing, or exactly the
action it took away.

Written against moto 5.2's ``moto.iam.access_control`` (``IAMRequest``, ``IAMPolicy``,
``create_access_key``) and ``moto.s3.responses.ACTION_MAP``.
"""

from __future__ import annotations

import re
from typing import Any

# The access key id of a SigV4 signature: Credential=<key id>/<date>/<region>/<service>/...
ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
# Rekognition's answer when it cannot read an image's S3 object: missing, or not readable
# with the caller's permissions.
S3_UNREADABLE = (
    "Unable to get object metadata from S3. Check object key, region and/or access permissions."
)
# The refusals since the control API's last reset, in order: "<user ARN> <action>".
DENIED: list[str] = []


def enforcing() -> bool:
    """Whether moto enforces IAM on the calls it answers now."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def caller_may(response: Any, action: str, resource: str) -> bool:
    """Whether the IAM user who signed the call ``response`` (a moto response handler) is
    answering may do ``action`` on ``resource``: an explicit deny wins, else one allow is
    needed, as moto decides its own checks. Always True while IAM is not enforced."""
    if not enforcing():
        return True
    from moto.iam.access_control import IAMPolicy, PermissionResult, create_access_key

    signature = ACCESS_KEY.search(response.headers.get("Authorization", ""))
    if signature is None:
        return False
    key = create_access_key(
        account_id=response.current_account,
        partition=response.partition,
        access_key_id=signature.group(1),
        headers=response.headers,
    )
    results = {
        IAMPolicy(policy).is_action_permitted(action, resource) for policy in key.collect_policies()
    }
    allowed = PermissionResult.PERMITTED in results and PermissionResult.DENIED not in results
    if not allowed:
        DENIED.append(f"{key.arn} {action}")
    return allowed


def _json_protocol(headers: Any) -> bool:
    """A call of a JSON service names its operation in ``X-Amz-Target``."""
    return bool(headers.get("X-Amz-Target") or headers.get("x-amz-target"))


def install_iam_fidelity() -> None:
    """Put right what moto's IAM enforcement gets different from AWS (module docstring)."""
    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.iam.access_control import IAMRequest, S3IAMRequest
    from moto.s3 import responses as s3_responses

    s3_responses.ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"

    class AuthorizationError(AccessDeniedError):
        """SNS's refusal: HTTP 403, code ``AuthorizationError``, in XML."""

        def __init__(self, message: str) -> None:
            # AccessDeniedError's base, which takes the code and the message.
            super(AccessDeniedError, self).__init__("AuthorizationError", message)

    refuse = IAMRequest._raise_access_denied
    unknown_key = IAMRequest._raise_invalid_access_key
    refuse_s3 = S3IAMRequest._raise_access_denied

    def raise_access_denied(self: IAMRequest) -> None:
        action = self._action
        DENIED.append(f"{self._access_key.arn} {action}")
        message = (
            f"User: {self._access_key.arn} is not authorized to perform: {action} "
            f"because no identity-based policy allows the {action} action"
        )
        if _json_protocol(self._headers):
            raise JsonRESTError("AccessDeniedException", message)
        if self._service == "sns":
            raise AuthorizationError(message)
        refuse(self)

    def raise_invalid_access_key(self: IAMRequest, reason: str) -> None:
        if _json_protocol(self._headers):
            raise JsonRESTError(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        unknown_key(self, reason)

    def raise_s3_access_denied(self: S3IAMRequest) -> None:
        DENIED.append(f"{self._access_key.arn} {self._action}")
        refuse_s3(self)  # S3's own AccessDenied, as AWS answers it

    IAMRequest._raise_access_denied = raise_access_denied
    IAMRequest._raise_invalid_access_key = raise_invalid_access_key
    S3IAMRequest._raise_access_denied = raise_s3_access_denied
