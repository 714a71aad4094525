"""The policy documents the IAM-enforcing stand-in's users hold (dev/enforcing_aws.py): the
shipped ones as moto enforces them, and one action taken out."""

from __future__ import annotations

import pytest

from dev.enforcing_aws import as_moto_enforces, shipped_policy, without_action


def resources_by_service(policy: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for statement in policy["Statement"]:
        for action in statement["Action"]:
            found.setdefault(action.split(":")[0], set()).update(statement["Resource"])
    return found


@pytest.mark.parametrize("name", ["pipelines.json", "bootstrap.json", "api-server.json"])
def test_moto_gets_s3_arns_exact_and_every_other_resource_as_any(name):
    shipped = shipped_policy(name)
    widened = resources_by_service(as_moto_enforces(shipped))

    assert widened.pop("s3") == resources_by_service(shipped)["s3"]
    assert widened
    assert all(resources == {"*"} for resources in widened.values())
    assert [s["Action"] for s in as_moto_enforces(shipped)["Statement"]] == [
        s["Action"] for s in shipped["Statement"]
    ]


def test_taking_an_action_out_leaves_the_rest_and_drops_an_emptied_statement():
    shipped = shipped_policy("pipelines.json")
    actions = [a for s in shipped["Statement"] for a in s["Action"]]

    reduced = without_action(shipped, "s3:GetObject")
    assert [a for s in reduced["Statement"] for a in s["Action"]] == [
        a for a in actions if a != "s3:GetObject"
    ]
    assert (
        len(without_action(shipped, "dynamodb:Scan")["Statement"]) == len(shipped["Statement"]) - 1
    )
    with pytest.raises(ValueError, match="not in the policy"):
        without_action(shipped, "s3:*")
