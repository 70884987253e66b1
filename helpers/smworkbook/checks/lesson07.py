"""Checks for lesson 7: secrets at an organisation's scale (replicas, keys, tags, the audit trail).

Each check looks at the mock's state (replicas, IAM policies, access keys, CloudTrail's events) and acts as the
exercise's identities where a policy is the answer, so a hint can say what the learner's answer let through or
kept out.
"""

from __future__ import annotations

import json

import botocore.exceptions

from smworkbook.checks import _values
from smworkbook.checks._hints import policy_summary, short
from smworkbook.checks._registry import exercise, prepares, require
from smworkbook.engine import enforcement, policies
from smworkbook.engine.errors import CheckFailed
from smworkbook.toolkit import access
from smworkbook.toolkit.mock import current

PRIMARY = "us-east-1"
FAILOVER = "eu-west-1"
ACCOUNT = "123456789012"

PAYMENTS_DB = "lesson07/payments-db"

LEDGER = "lesson07/ledger-db"
KEY_ALIAS = "alias/lesson07-ledger"
EU_APP = "lesson07-eu-app"

GROUP = "lesson07-developers"
DEVELOPERS = {"lesson07-pat": "payments", "lesson07-sam": "search"}
TEAM_SECRETS = {"payments": "lesson07/teams/payments-api", "search": "lesson07/teams/search-api"}
NEW_SEARCH_SECRET = "lesson07/teams/search-reports"
EVERYONE = {"department": "engineering"}

CI = "lesson07-ci"
CI_SECRETS = ("lesson07/ci/deploy-key", "lesson07/ci/npm-token", "lesson07/ci/signing-key", "lesson07/ci/cache-token")
PROD_DB = "lesson07/prod/db-password"

# What each set-up made, by exercise number.
_prepared: dict[str, dict] = {}


def _made(number: str) -> dict:
    made = _prepared.get(number)
    require(made, "Run the exercise's set-up cell first (it makes what the exercise starts from).")
    return made


def _fresh_secret(name: str, **create_args) -> dict:
    value = json.dumps({"password": _values.password()})
    return current().ensure_secret(name, SecretString=value, **create_args)


def _denial(call) -> str | None:
    """None if the call was allowed, else the AccessDeniedException's message."""
    try:
        call()
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "AccessDeniedException":
            return error.response["Error"]["Message"]
        if error.response["Error"]["Code"] in ("ResourceNotFoundException", "InvalidRequestException"):
            raise CheckFailed("A secret of this exercise was deleted or changed. Run the set-up cell again.") from None
        raise
    return None


def _delete_group(name: str) -> None:
    iam = current().client("iam")
    try:
        for user in iam.get_group(GroupName=name)["Users"]:
            iam.remove_user_from_group(GroupName=name, UserName=user["UserName"])
        for policy_name in iam.list_group_policies(GroupName=name)["PolicyNames"]:
            iam.delete_group_policy(GroupName=name, PolicyName=policy_name)
        iam.delete_group(GroupName=name)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise


def _documents(kind: str, name: str) -> list[dict]:
    iam = current().client("iam")
    if kind == "group":
        names = iam.list_group_policies(GroupName=name)["PolicyNames"]
        found = [iam.get_group_policy(GroupName=name, PolicyName=n)["PolicyDocument"] for n in names]
    else:
        names = iam.list_user_policies(UserName=name)["PolicyNames"]
        found = [iam.get_user_policy(UserName=name, PolicyName=n)["PolicyDocument"] for n in names]
    return [json.loads(d) if isinstance(d, str) else d for d in found]


# 7.1 ------------------------------------------------------------------------------------------


@exercise("7.1", "a replica read in the failover Region")
def check_replica_read(replica_arn) -> str:
    made = _made("7.1")
    aws = current()
    statuses = aws.client("secretsmanager").describe_secret(SecretId=PAYMENTS_DB).get("ReplicationStatus", [])
    regions = {status["Region"]: status["Status"] for status in statuses}
    if FAILOVER not in regions:
        elsewhere = f" (it has replicas in {', '.join(regions)}, not in {FAILOVER})" if regions else ""
        raise CheckFailed(
            f"{PAYMENTS_DB} has no replica in {FAILOVER}{elsewhere}. Replicate it with "
            f"replicate_secret_to_regions(SecretId={PAYMENTS_DB!r}, AddReplicaRegions=[{{'Region': {FAILOVER!r}}}])."
        )
    expected = made["arn"].replace(f":{PRIMARY}:", f":{FAILOVER}:")
    require(
        isinstance(replica_arn, str),
        f"replica_arn is {short(replica_arn)}. Read the secret in {FAILOVER} and assign replica_arn the ARN "
        "that get_secret_value answered there (response['ARN']).",
    )
    require(
        replica_arn != made["arn"],
        f"replica_arn is the primary's ARN, in {PRIMARY}: your client reads the primary's Region. Make a client "
        f"for the replica's Region, boto3.client('secretsmanager', region_name={FAILOVER!r}), and read with it.",
    )
    require(
        replica_arn == expected,
        f"replica_arn is {short(replica_arn, 90)}; the replica of {PAYMENTS_DB} in {FAILOVER} is {expected}.",
    )
    trail = aws.client("cloudtrail", FAILOVER)
    reads = trail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": expected}])
    require(
        any(event["EventName"] == "GetSecretValue" for event in reads["Events"]),
        f"replica_arn is right, but nothing read the replica: {FAILOVER}'s trail has no GetSecretValue on it. "
        f"Read it with get_secret_value in {FAILOVER}.",
    )
    return f"{PAYMENTS_DB} is replicated to {FAILOVER} and you read the replica there ({expected})."


@prepares("7.1")
def prepare_replica_read() -> str:
    current().ensure_absent(PAYMENTS_DB)  # its replicas too
    arn = _fresh_secret(PAYMENTS_DB)["ARN"]
    _prepared["7.1"] = {"arn": arn}
    return f"{PAYMENTS_DB} exists in {PRIMARY}, with no replica."


# 7.2 ------------------------------------------------------------------------------------------


def _key(region: str) -> str:
    """The ARN of the exercise's key in `region` (both Regions have a key with the same alias)."""
    kms = current().client("kms", region)
    return kms.describe_key(KeyId=KEY_ALIAS)["KeyMetadata"]["Arn"]


def _ensure_key(region: str) -> str:
    kms = current().client("kms", region)
    try:
        return kms.describe_key(KeyId=KEY_ALIAS)["KeyMetadata"]["Arn"]
    except botocore.exceptions.ClientError:
        key = kms.create_key(Description="lesson 7: the ledger's key")["KeyMetadata"]
        kms.create_alias(AliasName=KEY_ALIAS, TargetKeyId=key["KeyId"])
        return key["Arn"]


def _may_decrypt(identity, key_arn: str, region: str) -> bool:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.access_control import IAMUserAccessKey

    key = IAMUserAccessKey(DEFAULT_ACCOUNT_ID, "aws", identity.access_key_id, {})
    context = {"kms:viaservice": [f"secretsmanager.{region}.amazonaws.com"], **enforcement.principal_keys(identity.arn)}
    request = policies.Request(identity.arn, "kms:Decrypt", key_arn, context)
    return policies.decide(request, key.collect_policies()) == policies.ALLOWED


@exercise("7.2", "kms:Decrypt for the replica's own key")
def check_replica_key() -> str:
    made = _made("7.2")
    app = made["app"]
    access.enforce_policies()
    eu_key, us_key = _key(FAILOVER), _key(PRIMARY)
    documents = _documents("user", EU_APP)
    yours = f"(your policies: {policy_summary(documents)})"
    text = json.dumps(documents)
    denial = _denial(lambda: current().client_as(app, "secretsmanager", FAILOVER).get_secret_value(SecretId=LEDGER))
    if denial:
        if "kms:decrypt" not in text.lower() and "kms:*" not in text.lower():
            hint = (
                f"The app still can't read the replica in {FAILOVER}: AWS says {denial!r}. The replica is "
                f"encrypted with a customer managed key: allow kms:Decrypt on it ({eu_key})."
            )
        elif us_key in text:
            hint = (
                f"Your kms:Decrypt names {us_key}, the key of the primary in {PRIMARY}. The replica in {FAILOVER} "
                f"is encrypted with its own Region's key, {eu_key} (describe_secret in {FAILOVER}: KmsKeyId)."
            )
        elif f"secretsmanager.{PRIMARY}.amazonaws.com" in text:
            hint = (
                f"Your kms:ViaService condition says secretsmanager.{PRIMARY}.amazonaws.com; the replica is read "
                f"through Secrets Manager in {FAILOVER}: secretsmanager.{FAILOVER}.amazonaws.com."
            )
        elif "alias/" in text:
            hint = f"IAM matches a KMS key by its key ARN, not by an alias: name {eu_key} in Resource {yours}."
        else:
            hint = f"The app still can't read the replica in {FAILOVER} {yours}. AWS says: {denial}"
        raise CheckFailed(hint)
    require(
        not _may_decrypt(app, us_key, PRIMARY),
        f"Too broad: the app may also decrypt with {us_key}, the primary's key in {PRIMARY} {yours}. It reads in "
        f"{FAILOVER} only: name the replica's key, {eu_key}, not *.",
    )
    require(
        _denial(lambda: current().client_as(app).put_secret_value(SecretId=LEDGER, SecretString="{}")) is not None,
        f"Too broad: the app may write secrets {yours}. Add only kms:Decrypt on the replica's key.",
    )
    return f"{EU_APP} reads the replica of {LEDGER} in {FAILOVER} with kms:Decrypt on that Region's key only."


@prepares("7.2")
def prepare_replica_key() -> str:
    access.enforce_policies()
    us_key, eu_key = _ensure_key(PRIMARY), _ensure_key(FAILOVER)
    current().ensure_absent(LEDGER)
    _fresh_secret(LEDGER, KmsKeyId=us_key, AddReplicaRegions=[{"Region": FAILOVER, "KmsKeyId": eu_key}])
    read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:{LEDGER}-??????",
            }
        ],
    }
    _prepared["7.2"] = {"app": access.create_user(EU_APP, read)}
    return (
        f"{LEDGER} is in {PRIMARY} under {us_key}, its replica in {FAILOVER} under {eu_key}; {EU_APP} may call "
        "GetSecretValue on it in any Region (its policy read-ledger)."
    )


# 7.3 ------------------------------------------------------------------------------------------


def _conditions(documents: list[dict]) -> str:
    found = []
    for document in documents:
        statements = document.get("Statement", []) if isinstance(document, dict) else []
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict) and "Condition" in statement:
                found.append(json.dumps(statement["Condition"]))
    return "; ".join(found) or "no Condition"


@exercise("7.3", "one tag-based policy for every team")
def check_abac() -> str:
    made = _made("7.3")
    access.enforce_policies()
    documents = _documents("group", GROUP)
    require(
        documents,
        f"{GROUP} has no policy yet. Attach yours with iam.put_group_policy(GroupName={GROUP!r}, PolicyName=..., "
        "PolicyDocument=json.dumps(policy)).",
    )
    text = json.dumps(documents)
    yours = f"(your condition: {_conditions(documents)})"
    for user, team in DEVELOPERS.items():
        client = current().client_as(made[user])
        own, other = TEAM_SECRETS[team], next(s for t, s in TEAM_SECRETS.items() if t != team)
        if _denial(lambda c=client, s=own: c.get_secret_value(SecretId=s)):
            raise CheckFailed(
                f"{user} (tags team={team}, department=engineering) can't read {own} (tags team={team}, "
                f"department=engineering) {yours}. Compare the secret's team tag, secretsmanager:ResourceTag/team, "
                "with the caller's, ${aws:PrincipalTag/team}."
            )
        if _denial(lambda c=client, s=other: c.get_secret_value(SecretId=s)) is None:
            if "department" in text.lower():
                raise CheckFailed(
                    f"Too broad: {user} (team={team}) can read {other} {yours}. Every developer and every secret "
                    "has department=engineering: compare the team tag, not department."
                )
            raise CheckFailed(
                f"Too broad: {user} (team={team}) can read {other}, another team's secret {yours}. The condition "
                "must compare the secret's team tag with the caller's."
            )
    # A secret the search team makes later: the policy can't have named it.
    _fresh_secret(NEW_SEARCH_SECRET, Tags=[{"Key": "team", "Value": "search"}])
    sam = current().client_as(made["lesson07-sam"])
    require(
        _denial(lambda: sam.get_secret_value(SecretId=NEW_SEARCH_SECRET)) is None,
        f"lesson07-sam can't read {NEW_SEARCH_SECRET}, a new secret tagged team=search {yours}. Don't name teams "
        "or secrets in the policy: ${aws:PrincipalTag/team} stands for the caller's team.",
    )
    return f"one policy on {GROUP}: each developer reads their own team's secrets, present and future, and no other."


@prepares("7.3")
def prepare_abac() -> str:
    access.enforce_policies()
    _delete_group(GROUP)
    iam = current().client("iam")
    iam.create_group(GroupName=GROUP)
    made = {}
    for user, team in DEVELOPERS.items():
        made[user] = access.create_user(user, tags={"team": team, **EVERYONE})
        iam.add_user_to_group(GroupName=GROUP, UserName=user)
    for team, name in TEAM_SECRETS.items():
        _fresh_secret(name, Tags=[{"Key": "team", "Value": team}, {"Key": "department", "Value": "engineering"}])
    current().ensure_absent(NEW_SEARCH_SECRET)
    _prepared["7.3"] = made
    return (
        f"{GROUP} (no policy) holds lesson07-pat (team=payments) and lesson07-sam (team=search); "
        f"{TEAM_SECRETS['payments']} and {TEAM_SECRETS['search']} are tagged with their team."
    )


# 7.4 ------------------------------------------------------------------------------------------


def _key_works(identity) -> bool:
    try:
        current().client_as(identity).get_secret_value(SecretId=CI_SECRETS[0])
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"] not in ("UnrecognizedClientException", "InvalidClientTokenId")
    return True


@exercise("7.4", "what a leaked key read, then revoke it")
def check_leaked_key(leaked_reads) -> str:
    made = _made("7.4")
    arns = made["arns"]
    names = {arn: name for name, arn in arns.items()}
    require(
        isinstance(leaked_reads, list | tuple | set) and all(isinstance(item, str) for item in leaked_reads),
        f"leaked_reads is {short(leaked_reads)}. Assign it the list of the ARNs the leaked key read "
        "(each event's Resources[0]['ResourceName']).",
    )
    given = {arns.get(item, item) for item in leaked_reads}
    truth = {arns[name] for name in made["read"]}
    for arn in sorted(given - truth):
        name = names.get(arn, arn)
        if name in made["other_key_read"]:
            raise CheckFailed(
                f"leaked_reads holds {name}, which the CI's current key read, not the leaked one: you filtered by "
                f"Username. Filter the trail by AttributeKey 'AccessKeyId' = {made['leaked'].access_key_id}."
            )
        if name in made["described"]:
            raise CheckFailed(
                f"leaked_reads holds {name}, which the leaked key only described (DescribeSecret). Keep the "
                "GetSecretValue events: those read a value."
            )
        if name in made["refused"]:
            raise CheckFailed(
                f"leaked_reads holds {name}, but that read was refused (errorCode AccessDeniedException in its "
                "CloudTrailEvent): the key got nothing from it."
            )
        raise CheckFailed(f"leaked_reads holds {short(arn, 90)}, which the leaked key did not read.")
    missing = sorted(names[arn] for arn in truth - given)
    require(
        not missing,
        f"leaked_reads misses {', '.join(missing)}: the trail has a GetSecretValue on it by the leaked key.",
    )
    require(
        not _key_works(made["leaked"]),
        f"The leaked key {made['leaked'].access_key_id} still works. Revoke it: iam.update_access_key(UserName="
        f"{CI!r}, AccessKeyId=..., Status='Inactive') (or delete_access_key).",
    )
    require(
        _key_works(made["current"]),
        f"The CI's current key {made['current'].access_key_id} no longer works: revoke only the leaked one "
        f"({made['leaked'].access_key_id}); the CI still needs its current key.",
    )
    return f"The leaked key read {len(truth)} secrets; it is revoked and its next call is refused."


@prepares("7.4")
def prepare_leaked_key() -> str:
    access.enforce_policies()
    arns = {name: _fresh_secret(name)["ARN"] for name in (*CI_SECRETS, PROD_DB)}
    ci_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": f"arn:aws:secretsmanager:{PRIMARY}:{ACCOUNT}:secret:lesson07/ci/*",
            }
        ],
    }
    leaked = access.create_user(CI, ci_policy)
    key = current().client("iam").create_access_key(UserName=CI)["AccessKey"]
    fresh = access.Identity(CI, leaked.arn, key["AccessKeyId"], key["SecretAccessKey"])
    # The security team's note on the user: which key leaked (an IAM tag, so the id needs no copying by hand).
    current().client("iam").tag_user(UserName=CI, Tags=[{"Key": "leaked-access-key", "Value": leaked.access_key_id}])
    attacker, ci = current().client_as(leaked), current().client_as(fresh)
    deploy, npm, signing, cache = CI_SECRETS
    ci.get_secret_value(SecretId=cache)  # the CI's own run, with its current key
    ci.get_secret_value(SecretId=deploy)
    attacker.get_secret_value(SecretId=deploy)
    attacker.describe_secret(SecretId=npm)
    attacker.get_secret_value(SecretId=signing)
    _denial(lambda: attacker.get_secret_value(SecretId=PROD_DB))
    _prepared["7.4"] = {
        "arns": arns,
        "leaked": leaked,
        "current": fresh,
        "read": {deploy, signing},
        "other_key_read": {cache},
        "described": {npm},
        "refused": {PROD_DB},
    }
    return (
        f"{CI} has two access keys; the older one leaked and was used last night (its id is in the user's tag "
        "leaked-access-key). The trail (cloudtrail.lookup_events) has what it did."
    )
