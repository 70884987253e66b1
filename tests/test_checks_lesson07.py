"""Lesson 7's checks: each passes on a right answer and fails, with a hint naming what it found, on the unsolved
exercise and on the plausible wrong answers (the primary's Region, the primary's key, the wrong tag key, the wrong
trail attribute). The answers act on the mock as a learner's code would, with the workbook's own keys."""

from __future__ import annotations

import json

import pytest

import smworkbook
from smworkbook.toolkit import access

from .check_contract import contract_tests

ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def enforcement_off_afterwards():
    yield
    access.enforce_policies(False)


def client(service="secretsmanager", region=None):
    return smworkbook.current().client(service, region)


def policy(*statements, version="2012-10-17") -> str:
    document = {"Statement": list(statements)}
    if version:
        document = {"Version": version, **document}
    return json.dumps(document)


# 7.1 -------------------------------------------------------------------------------------------
def replicate(region="eu-west-1"):
    client().replicate_secret_to_regions(SecretId="lesson07/payments-db", AddReplicaRegions=[{"Region": region}])


def replica_right(sm):
    replicate()
    return (client(region="eu-west-1").get_secret_value(SecretId="lesson07/payments-db")["ARN"],)


def replica_read_in_primary_region(sm):
    replicate()
    return (sm.get_secret_value(SecretId="lesson07/payments-db")["ARN"],)


def replica_wrong_region(sm):
    replicate("us-west-2")
    return (client(region="us-west-2").get_secret_value(SecretId="lesson07/payments-db")["ARN"],)


def replica_not_replicated(sm):
    return (sm.get_secret_value(SecretId="lesson07/payments-db")["ARN"],)


def replica_arn_from_describe_only(sm):
    replicate()
    return (client(region="eu-west-1").describe_secret(SecretId="lesson07/payments-db")["ARN"],)


def replica_name_not_arn(sm):
    replicate()
    return ("lesson07/payments-db",)


# 7.2 -------------------------------------------------------------------------------------------
def key_arn(region):
    return client("kms", region).describe_key(KeyId="alias/lesson07-ledger")["KeyMetadata"]["Arn"]


def decrypt(resource, **extra):
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": resource, **extra}
    client("iam").put_user_policy(UserName="lesson07-eu-app", PolicyName="decrypt", PolicyDocument=policy(statement))
    return ()


def key_right(sm):
    via = {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
    return decrypt(key_arn("eu-west-1"), Condition=via)


def key_right_without_condition(sm):
    return decrypt(key_arn("eu-west-1"))


def key_of_the_primary(sm):
    return decrypt(key_arn("us-east-1"))


def key_via_primary_region(sm):
    return decrypt(
        key_arn("eu-west-1"),
        Condition={"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}},
    )


def key_by_alias(sm):
    return decrypt(f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/lesson07-ledger")


def key_every_key(sm):
    return decrypt("*")


def key_secretsmanager_star(sm):
    client("iam").put_user_policy(
        UserName="lesson07-eu-app",
        PolicyName="everything",
        PolicyDocument=policy(
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn("eu-west-1")},
        ),
    )
    return ()


# 7.3 -------------------------------------------------------------------------------------------
def team_policy(condition):
    statement = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": condition}
    client("iam").put_group_policy(
        GroupName="lesson07-developers", PolicyName="teams", PolicyDocument=policy(statement)
    )
    return ()


def abac_right(sm):
    return team_policy({"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}})


def abac_aws_resource_tag(sm):
    return team_policy({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}})


def abac_department(sm):
    return team_policy({"StringEquals": {"secretsmanager:ResourceTag/department": "${aws:PrincipalTag/department}"}})


def abac_wrong_principal_key(sm):
    return team_policy({"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/project}"}})


def abac_fixed_team(sm):
    return team_policy({"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}})


def abac_no_condition(sm):
    statement = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    client("iam").put_group_policy(GroupName="lesson07-developers", PolicyName="all", PolicyDocument=policy(statement))
    return ()


def abac_named_secrets(sm):
    pat = {
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:lesson07/teams/"
        "${aws:PrincipalTag/team}-api-*",
    }
    client("iam").put_group_policy(GroupName="lesson07-developers", PolicyName="named", PolicyDocument=policy(pat))
    return ()


# 7.4 -------------------------------------------------------------------------------------------
def leaked_key_id():
    from smworkbook.checks import lesson07

    return lesson07._prepared["7.4"]["leaked"].access_key_id


def lookup(key, value):
    attribute = [{"AttributeKey": key, "AttributeValue": value}]
    return client("cloudtrail").lookup_events(LookupAttributes=attribute)["Events"]


def reads(events, only_reads=True, only_successful=True):
    found = []
    for event in events:
        record = json.loads(event["CloudTrailEvent"])
        if only_reads and event["EventName"] != "GetSecretValue":
            continue
        if only_successful and "errorCode" in record:
            continue
        found += [resource["ResourceName"] for resource in event["Resources"]]
    return sorted(set(found))


def revoke(key_id=None):
    iam = client("iam")
    iam.update_access_key(UserName="lesson07-ci", AccessKeyId=key_id or leaked_key_id(), Status="Inactive")


def trail_right(sm):
    found = reads(lookup("AccessKeyId", leaked_key_id()))
    revoke()
    return (found,)


def trail_names_and_delete(sm):
    names = [arn.split(":secret:")[1][:-7] for arn in reads(lookup("AccessKeyId", leaked_key_id()))]
    client("iam").delete_access_key(UserName="lesson07-ci", AccessKeyId=leaked_key_id())
    return (names,)


def trail_by_username(sm):
    found = reads(lookup("Username", "lesson07-ci"))
    revoke()
    return (found,)


def trail_with_describes(sm):
    found = reads(lookup("AccessKeyId", leaked_key_id()), only_reads=False)
    revoke()
    return (found,)


def trail_with_refused(sm):
    found = reads(lookup("AccessKeyId", leaked_key_id()), only_successful=False)
    revoke()
    return (found,)


def trail_not_revoked(sm):
    return (reads(lookup("AccessKeyId", leaked_key_id())),)


def trail_both_keys_revoked(sm):
    found = reads(lookup("AccessKeyId", leaked_key_id()))
    for key in client("iam").list_access_keys(UserName="lesson07-ci")["AccessKeyMetadata"]:
        revoke(key["AccessKeyId"])
    return (found,)


def trail_missing_one(sm):
    found = reads(lookup("AccessKeyId", leaked_key_id()))[:1]
    revoke()
    return (found,)


def trail_one_string(sm):
    revoke()
    return (reads(lookup("AccessKeyId", leaked_key_id()))[0],)


UNSOLVED = {"7.1": (None,), "7.2": (), "7.3": (), "7.4": (None,)}

CASES = {
    "7.1": (replica_right, [(replica_read_in_primary_region, "the primary's ARN, in us-east-1"),
                            (replica_wrong_region, "has replicas in us-west-2, not in eu-west-1"),
                            (replica_not_replicated, "has no replica in eu-west-1. Replicate it"),
                            (replica_arn_from_describe_only, "nothing read the replica"),
                            (replica_name_not_arn, "replica_arn is 'lesson07/payments-db'")],
            "has no replica in eu-west-1"),
    "7.2": (key_right, [(key_right_without_condition, None),
                        (key_of_the_primary, "the key of the primary in us-east-1"),
                        (key_via_primary_region, "secretsmanager.eu-west-1.amazonaws.com"),
                        (key_by_alias, "by its key ARN, not by an alias"),
                        (key_every_key, "Too broad: the app may also decrypt with"),
                        (key_secretsmanager_star, "Too broad: the app may write secrets")],
            "allow kms:Decrypt on it"),
    "7.3": (abac_right, [(abac_aws_resource_tag, None),
                         (abac_department, r"your condition: \{\"StringEquals\": "
                                           r"\{\"secretsmanager:ResourceTag/department\""
                                           r".*compare the team tag, not department"),
                         (abac_wrong_principal_key, r"Compare the secret's team tag"),
                         (abac_fixed_team, r"lesson07-sam \(tags team=search"),
                         (abac_no_condition, r"another team's secret \(your condition: no Condition\)"),
                         (abac_named_secrets, "a new secret tagged team=search")],
            "lesson07-developers has no policy yet"),
    "7.4": (trail_right, [(trail_names_and_delete, None),
                          (trail_by_username, "you filtered by Username"),
                          (trail_with_describes, "only described"),
                          (trail_with_refused, "that read was refused"),
                          (trail_not_revoked, "still works. Revoke it"),
                          (trail_both_keys_revoked, "revoke only the leaked one"),
                          (trail_missing_one, "leaked_reads misses"),
                          (trail_one_string, "leaked_reads is 'arn:aws")],
            "leaked_reads is None"),
}  # fmt: skip

# Exercise cells whose own code raises, run again after a right run (issue 31): the source after the set-up line.
# The hint names the error and the parameter it is about, in AWS's or botocore's words, or the learner's line.
CLIENTS = "import json, smworkbook\naws = smworkbook.current()\niam = aws.client('iam')\n"
RAISING = {
    # Read in eu-west-1 before replicating: the Region has no such secret (GetSecretValue: ResourceNotFoundException,
    # "Secrets Manager can't find the resource that you asked for").
    "7.1": [(CLIENTS + 'eu_client = aws.client("secretsmanager", "eu-west-1")\n'
             'replica_arn = eu_client.get_secret_value(SecretId="lesson07/payments-db")["ARN"]',
             r"raised ResourceNotFoundException from GetSecretValue: Secrets Manager can't find the specified "
             r"secret\. At `replica_arn = eu_client.get_secret_value\(SecretId=\"lesson07/payments-db\"\)")],
    # The key's alias as Resource: IAM wants an ARN or "*" (IAM User Guide, IAM JSON policy elements: Resource).
    "7.2": [(CLIENTS + 'policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", '
             '"Resource": "alias/lesson07-ledger"}]}\n'
             'iam.put_user_policy(UserName="lesson07-eu-app", PolicyName="decrypt-replica", '
             "PolicyDocument=json.dumps(policy))",
             r"raised MalformedPolicyDocument from PutUserPolicy: Resource alias/lesson07-ledger must be in ARN "
             r"format or \"\*\"\. At `iam.put_user_policy\(")],
    # The policy as a dict, not JSON text: botocore refuses it before sending.
    "7.3": [(CLIENTS + 'policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
             '"Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEquals": '
             '{"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}}}]}\n'
             'iam.put_group_policy(GroupName="lesson07-developers", PolicyName="own-team", PolicyDocument=policy)',
             r"raised ParamValidationError: .*Invalid type for parameter PolicyDocument")],
    # An attribute key CloudTrail does not know (LookupEvents: AccessKeyId, not AccessKey).
    "7.4": [(CLIENTS + 'events = aws.client("cloudtrail").lookup_events(LookupAttributes=['
             '{"AttributeKey": "AccessKey", "AttributeValue": "AKIA"}])["Events"]',
             r"raised InvalidLookupAttributesException from LookupEvents: Invalid lookup attribute: "
             r"\{'AttributeKey': 'AccessKey'")],
}  # fmt: skip

# Answers that are right another way (None above) pass: moved to their own list.
RIGHT_TOO = [(number, wrong) for number, (_, wrongs, _) in CASES.items() for wrong, hint in wrongs if hint is None]
for _number, (_right, _wrongs, _unsolved) in CASES.items():
    _wrongs[:] = [(wrong, hint) for wrong, hint in _wrongs if hint is not None]

(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
) = contract_tests("7", CASES, UNSOLVED, RAISING)


@pytest.mark.parametrize(("number", "answer"), RIGHT_TOO, ids=[f"{n}-{a.__name__}" for n, a in RIGHT_TOO])
def test_other_right_answers_pass(number, answer, sm, capsys):
    """aws:ResourceTag works as secretsmanager:ResourceTag; kms:ViaService is good practice, not required; names
    for ARNs and a deleted key for an inactive one are right too."""
    from smworkbook import checks

    checks.setup(number)
    checks.verify(number, *answer(sm))
    assert f"✔ Exercise {number} passed" in capsys.readouterr().out


def test_setups_run_again_and_a_replica_does_not_block_its_own_set_up(sm, capsys):
    """Running an exercise cell twice (set-up + answer) passes both times; 7.1's set-up removes the replica the
    last run made (AWS refuses to delete a primary with replicas)."""
    from smworkbook import checks

    for _ in range(2):
        checks.setup("7.1")
        checks.verify("7.1", *replica_right(sm))
    assert capsys.readouterr().out.count("✔ Exercise 7.1 passed") == 2


def test_a_set_up_run_again_takes_the_group_s_policy_away(sm):
    """7.3's set-up starts from a group with no policy, even after an answer attached one."""
    from smworkbook import CheckFailed, checks

    checks.setup("7.3")
    abac_right(sm)
    checks.setup("7.3")
    with pytest.raises(CheckFailed, match="lesson07-developers has no policy yet"):
        checks.verify("7.3")


def test_exercises_do_not_undo_each_other(sm, capsys):
    """A learner runs the exercises one after another in one kernel: each later set-up leaves the earlier answers
    passing (7.2's and 7.4's set-ups switch enforcement on; 7.4 revokes a key)."""
    from smworkbook import checks

    answered = []
    for number in sorted(CASES):
        checks.setup(number)
        answered.append((number, CASES[number][0](sm)))
    for number, answers in answered:
        checks.verify(number, *answers)
    assert capsys.readouterr().out.count("passed") == len(CASES)
