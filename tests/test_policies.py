"""The policy evaluator behind the mock's access control, as the IAM User Guide describes it
(policy elements, condition operators, evaluation logic), without a server."""

from __future__ import annotations

import pytest

from smworkbook.engine import policies

USER = "arn:aws:iam::123456789012:user/app"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db.main-AbC123"


def decide(statements, action="secretsmanager:GetSecretValue", resource=ARN, context=None, resource_policy=None):
    request = policies.Request(USER, action, resource, context or {})
    return policies.decide(request, [{"Version": "2012-10-17", "Statement": statements}], resource_policy)


def allow(**element):
    return {"Effect": "Allow", **element}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (ARN, policies.ALLOWED),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db.main-??????", policies.ALLOWED),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/*", policies.ALLOWED),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db.main-?????", policies.IMPLICIT_DENY),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/dbXmain-??????", policies.IMPLICIT_DENY),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:TEAM/*", policies.IMPLICIT_DENY),
    ],
    ids=["exact", "six ?", "star", "five ?", "dot is literal", "resource is case-sensitive"],
)
def test_resource_wildcards(resource, expected):
    assert decide([allow(Action="secretsmanager:GetSecretValue", Resource=resource)]) == expected


def test_actions_match_case_insensitively_and_with_wildcards():
    assert decide([allow(Action="SecretsManager:getsecretvalue", Resource="*")]) == policies.ALLOWED
    assert decide([allow(Action="secretsmanager:Get*", Resource="*")]) == policies.ALLOWED
    assert decide([allow(Action="secretsmanager:Describe*", Resource="*")]) == policies.IMPLICIT_DENY


def test_not_action_and_not_resource():
    assert decide([allow(NotAction="secretsmanager:GetSecretValue", Resource="*")]) == policies.IMPLICIT_DENY
    assert decide([allow(NotAction="secretsmanager:DeleteSecret", Resource="*")]) == policies.ALLOWED
    assert decide([allow(Action="*", NotResource=ARN)]) == policies.IMPLICIT_DENY


def test_a_statement_without_action_or_not_action_grants_nothing():
    assert decide([{"Effect": "Allow", "Resource": "*"}]) == policies.IMPLICIT_DENY


def test_explicit_deny_wins_whatever_the_order():
    deny = {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}
    everything = allow(Action="*", Resource="*")
    assert decide([deny, everything]) == policies.IDENTITY_DENY
    assert decide([everything, deny]) == policies.IDENTITY_DENY


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"aws:ResourceTag/team": "pay"}}, {"aws:resourcetag/team": ["pay"]}, True),
        ({"StringEquals": {"aws:ResourceTag/team": "pay"}}, {"aws:resourcetag/team": ["PAY"]}, False),
        ({"StringEqualsIgnoreCase": {"aws:ResourceTag/team": "pay"}}, {"aws:resourcetag/team": ["PAY"]}, True),
        ({"StringEquals": {"aws:ResourceTag/team": ["a", "pay"]}}, {"aws:resourcetag/team": ["pay"]}, True),
        ({"StringLike": {"aws:ResourceTag/team": "pa*"}}, {"aws:resourcetag/team": ["pay"]}, True),
        ({"StringNotEquals": {"aws:ResourceTag/team": "pay"}}, {"aws:resourcetag/team": ["ops"]}, True),
        ({"StringNotEquals": {"aws:ResourceTag/team": "pay"}}, {}, False),
        ({"StringEqualsIfExists": {"aws:ResourceTag/team": "pay"}}, {}, True),
        ({"StringEquals": {"aws:ResourceTag/team": "pay"}}, {}, False),
        ({"Null": {"aws:ResourceTag/team": "true"}}, {}, True),
        ({"Null": {"aws:ResourceTag/team": "false"}}, {}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:tagkeys": ["a"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:tagkeys": ["a", "c"]}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["c"]}}, {"aws:tagkeys": ["a", "c"]}, True),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "10"}}, {"aws:multifactorauthage": ["1"]}, False),
        # IAM User Guide, "Condition operators" and "Multivalued context keys": a missing key fails every
        # operator (negated ones too) but ...IfExists, Null and ForAllValues (true for an empty set).
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, False),
        ({"StringNotEqualsIfExists": {"aws:ResourceTag/team": "pay"}}, {}, True),
        ({"StringNotEqualsIfExists": {"aws:ResourceTag/team": "pay"}}, {"aws:resourcetag/team": ["pay"]}, False),
        ({"StringNotLike": {"aws:ResourceTag/team": "pa*"}}, {"aws:resourcetag/team": ["ops"]}, True),
        ({"StringNotLike": {"aws:ResourceTag/team": "pa*"}}, {"aws:resourcetag/team": ["pay"]}, False),
        ({"StringNotEqualsIgnoreCase": {"aws:ResourceTag/team": "PAY"}}, {"aws:resourcetag/team": ["pay"]}, False),
        ({"StringLike": {"aws:ResourceTag/team": "p?y"}}, {"aws:resourcetag/team": ["pay"]}, True),
        ({"StringLike": {"aws:ResourceTag/team": "p?y"}}, {"aws:resourcetag/team": ["paay"]}, False),
        ({"StringLike": {"aws:ResourceTag/team": "PA*"}}, {"aws:resourcetag/team": ["pay"]}, False),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/a*"}}, {"aws:principalarn": [USER]}, True),
        ({"ArnEquals": {"aws:PrincipalArn": USER}}, {"aws:principalarn": [USER]}, True),
        ({"ArnNotEquals": {"aws:PrincipalArn": USER}}, {"aws:principalarn": [USER]}, False),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/b*"}}, {"aws:principalarn": [USER]}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": ["True"]}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": ["false"]}, False),
        ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a"]}}, {"aws:tagkeys": ["a", "b"]}, True),
        ({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["a"]}}, {"aws:tagkeys": ["a", "b"]}, False),
    ],
)
def test_conditions(condition, context, expected):
    outcome = decide([allow(Action="*", Resource="*", Condition=condition)], context=context)
    assert outcome == (policies.ALLOWED if expected else policies.IMPLICIT_DENY)


def test_condition_keys_are_case_insensitive():
    statement = allow(Action="*", Resource="*", Condition={"StringEquals": {"SecretsManager:ResourceTag/Team": "x"}})
    assert decide([statement], context={"secretsmanager:resourcetag/team": ["x"]}) == policies.ALLOWED


def test_resource_policy_principals():
    def resource_policy(effect, principal):
        statement = {"Effect": effect, "Principal": principal, "Action": "secretsmanager:*", "Resource": "*"}
        return {"Version": "2012-10-17", "Statement": [statement]}

    assert decide([], resource_policy=resource_policy("Allow", {"AWS": USER})) == policies.ALLOWED
    assert decide([], resource_policy=resource_policy("Allow", {"AWS": [USER, "x"]})) == policies.ALLOWED
    assert decide([], resource_policy=resource_policy("Allow", "*")) == policies.ALLOWED
    other = "arn:aws:iam::123456789012:user/other"
    assert decide([], resource_policy=resource_policy("Allow", {"AWS": other})) == policies.IMPLICIT_DENY
    assert decide([], resource_policy=resource_policy("Allow", {"AWS": "123456789012"})) == policies.IMPLICIT_DENY
    everything = [allow(Action="*", Resource="*")]
    assert decide(everything, resource_policy=resource_policy("Deny", {"AWS": "123456789012"})) == (
        policies.RESOURCE_DENY
    )


def test_not_principal_in_a_resource_policy_applies_to_everyone_but_those_named():
    """IAM User Guide, "AWS JSON policy elements: NotPrincipal": with Deny, "the actions specified in
    the policy statement are explicitly denied to all principals except for the ones specified"; its
    example names the user and its account ARN, and spares only that user."""
    everything = [allow(Action="*", Resource="*")]

    def deny_all_but(*names):
        statement = {"Effect": "Deny", "NotPrincipal": {"AWS": list(names)}, "Action": "*", "Resource": "*"}
        return {"Version": "2012-10-17", "Statement": [statement]}

    other = "arn:aws:iam::123456789012:user/other"
    assert decide(everything, resource_policy=deny_all_but(other)) == policies.RESOURCE_DENY
    assert decide(everything, resource_policy=deny_all_but(USER, "arn:aws:iam::123456789012:root")) == (
        policies.ALLOWED
    )
    assert decide(everything, resource_policy=deny_all_but(USER)) == policies.ALLOWED
    # Naming the account spares none of its users: the example's other users are denied.
    assert decide(everything, resource_policy=deny_all_but("123456789012")) == policies.RESOURCE_DENY
    assert decide(everything, resource_policy=deny_all_but("arn:aws:iam::999999999999:root")) == (
        policies.RESOURCE_DENY
    )


def test_every_condition_of_a_statement_must_hold():
    conditions = {"StringEquals": {"aws:ResourceTag/team": "pay", "aws:ResourceTag/env": "prod"}}
    statement = allow(Action="*", Resource="*", Condition=conditions)
    both = {"aws:resourcetag/team": ["pay"], "aws:resourcetag/env": ["prod"]}
    assert decide([statement], context=both) == policies.ALLOWED
    assert decide([statement], context={**both, "aws:resourcetag/env": ["dev"]}) == policies.IMPLICIT_DENY


def test_an_allow_in_another_policy_or_statement_is_enough_and_a_deny_anywhere_wins():
    read = allow(Action="secretsmanager:GetSecretValue", Resource="*")
    other = allow(Action="secretsmanager:DescribeSecret", Resource="*")
    request = policies.Request(USER, "secretsmanager:GetSecretValue", ARN)
    policy = lambda *statements: {"Version": "2012-10-17", "Statement": list(statements)}  # noqa: E731
    assert policies.decide(request, [policy(other), policy(read)]) == policies.ALLOWED
    assert policies.decide(request, [policy(read, other)]) == policies.ALLOWED
    assert policies.decide(request, [policy(other)]) == policies.IMPLICIT_DENY
    deny = {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    assert policies.decide(request, [policy(read), policy(deny)]) == policies.IDENTITY_DENY
    # A statement given on its own (not in a list) counts as well.
    assert policies.decide(request, [{"Version": "2012-10-17", "Statement": read}]) == policies.ALLOWED
    # Only the resource policy allows: allowed (one account); it denies: the identity's Allow loses.
    named = {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "*", "Resource": "*"}
    assert policies.decide(request, [], policy(named)) == policies.ALLOWED
    assert policies.decide(request, [policy(read)], policy({**named, "Effect": "Deny"})) == policies.RESOURCE_DENY


def test_a_secrets_condition_keys_are_its_arn_name_and_tags_in_both_spellings():
    class Secret:
        arn, name = ARN, "team/db.main"
        tags = [{"Key": "Team", "Value": "pay"}, {"Key": "empty"}]

    assert policies.secret_keys(Secret()) == {
        "secretsmanager:secretid": [ARN],
        "secretsmanager:name": ["team/db.main"],
        "secretsmanager:resourcetag/team": ["pay"],
        "aws:resourcetag/team": ["pay"],
        "secretsmanager:resourcetag/empty": [""],
        "aws:resourcetag/empty": [""],
    }
    Secret.tags = None
    assert set(policies.secret_keys(Secret())) == {"secretsmanager:secretid", "secretsmanager:name"}


def test_is_public():
    def policy(**statement):
        return {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", **statement}]}

    assert policies.is_public(policy(Principal={"AWS": "*"}))
    assert policies.is_public(policy(NotPrincipal={"AWS": USER}))
    deny_first = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
    assert policies.is_public({"Statement": ["not a statement", deny_first, *policy(Principal="*")["Statement"]]})
    assert not policies.is_public({"Statement": ["not a statement", {"Effect": "Allow", "Principal": {"AWS": USER}}]})
    assert policies.is_public({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}})

    assert policies.is_public(policy(Principal="*"))
    assert policies.is_public(policy(Principal={"AWS": ["*"]}))
    assert not policies.is_public(policy(Principal={"AWS": USER}))
    assert not policies.is_public(policy(Principal="*", Condition={"StringEquals": {"aws:PrincipalAccount": "1"}}))
    assert not policies.is_public({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]})


def test_denial_messages_follow_aws_wording():
    request = policies.Request(USER, "secretsmanager:GetSecretValue", ARN)
    assert policies.denial_message(request, policies.IDENTITY_DENY, "db") == (
        f"User: {USER} is not authorized to perform: secretsmanager:GetSecretValue on resource: db "
        "with an explicit deny in an identity-based policy"
    )
    assert policies.denial_message(request, policies.IMPLICIT_DENY, None) == (
        f"User: {USER} is not authorized to perform: secretsmanager:GetSecretValue because no identity-based "
        "policy allows the secretsmanager:GetSecretValue action"
    )


# --- Policy variables (IAM User Guide, "IAM policy elements: Variables and tags") -------------------------------

TEAM_SECRETS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:${aws:PrincipalTag/team}/*"


def decide_in(version, statements, context, resource=ARN):
    request = policies.Request(USER, "secretsmanager:GetSecretValue", resource, context)
    policy = {"Version": version, "Statement": statements} if version else {"Statement": statements}
    return policies.decide(request, [policy])


def test_a_principal_tag_variable_in_a_condition_matches_the_secret_of_the_same_team():
    """ "When the policy is evaluated, the policy variables are replaced with values that come from the
    conditional context keys passed in the request" ("Tags as policy variables": aws:PrincipalTag/key)."""
    statement = allow(
        Action="secretsmanager:GetSecretValue",
        Resource="*",
        Condition={"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    )
    same = {"aws:principaltag/team": ["payments"], "secretsmanager:resourcetag/team": ["payments"]}
    other = {"aws:principaltag/team": ["payments"], "secretsmanager:resourcetag/team": ["search"]}
    assert decide([statement], context=same) == policies.ALLOWED
    assert decide([statement], context=other) == policies.IMPLICIT_DENY


def test_a_variable_in_the_resource_element_is_replaced_by_the_request_s_value():
    """ "You can use policy variables in the Resource element and in string comparisons in the Condition element"."""
    statement = allow(Action="secretsmanager:GetSecretValue", Resource=TEAM_SECRETS)
    assert decide([statement], context={"aws:principaltag/team": ["team"]}) == policies.ALLOWED
    assert decide([statement], context={"aws:principaltag/team": ["other"]}) == policies.IMPLICIT_DENY


def test_variables_are_literal_text_without_version_2012_10_17():
    """ "If you don't include the Version element, variables such as ${aws:username} aren't recognized as variables
    and are instead treated as literal strings in the policy"."""
    statement = allow(Action="secretsmanager:GetSecretValue", Resource=TEAM_SECRETS)
    context = {"aws:principaltag/team": ["team"]}
    assert decide_in("2012-10-17", [statement], context) == policies.ALLOWED
    assert decide_in(None, [statement], context) == policies.IMPLICIT_DENY
    assert decide_in("2008-10-17", [statement], context) == policies.IMPLICIT_DENY
    literal = ARN.replace("team/", "${aws:PrincipalTag/team}/")
    assert decide_in(None, [statement], context, resource=literal) == policies.ALLOWED


def test_a_variable_with_no_value_matches_nothing_not_even_under_a_negated_operator():
    """ "If AWS cannot resolve a variable this might cause the entire statement to be invalid": a principal without
    the tag (the key "is not present in the request context") is granted nothing by the statement, and a Deny
    with StringNotEquals against the missing tag does not apply either."""
    allow_team = allow(Action="secretsmanager:GetSecretValue", Resource=TEAM_SECRETS)
    assert decide([allow_team], context={}) == policies.IMPLICIT_DENY
    deny_others = {
        "Effect": "Deny",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    }
    everything = allow(Action="secretsmanager:GetSecretValue", Resource="*")
    assert decide([everything, deny_others], context={"secretsmanager:resourcetag/team": ["x"]}) == policies.ALLOWED
    with_tag = {"secretsmanager:resourcetag/team": ["x"], "aws:principaltag/team": ["y"]}
    assert decide([everything, deny_others], context=with_tag) == policies.IDENTITY_DENY


def test_a_default_value_stands_in_for_a_missing_key():
    """ "To add a default value to a variable, surround the default value with single quotes (' '), and separate the
    variable text and the default value with a comma and space (, )"."""
    statement = allow(
        Action="secretsmanager:GetSecretValue",
        Resource="arn:aws:secretsmanager:us-east-1:123456789012:secret:${aws:PrincipalTag/team, 'team'}/*",
    )
    assert decide([statement], context={}) == policies.ALLOWED
    assert decide([statement], context={"aws:principaltag/team": ["other"]}) == policies.IMPLICIT_DENY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a${*}b", "a*b"),
        ("a${?}b", "a?b"),
        ("cost${$}", "cost$"),
        ("${aws:username}", "app"),
        ("${AWS:UserName}", "app"),
        ("${aws:PrincipalTag/team, 'none'}", "none"),
        ("${aws:PrincipalTag/team}", None),
    ],
    ids=["star", "question mark", "dollar", "username", "key names ignore case", "default", "missing"],
)
def test_special_characters_and_keys_resolve_as_the_guide_lists(text, expected):
    """ "${*} - represents the * (asterisk) character. ${?} - represents the ? (question mark) character. ${$} -
    represents the $ (dollar sign) character." Condition key names are case-insensitive."""
    resolved = policies.substitute(text, {"aws:username": ["app"]})
    assert (None if resolved is None else policies._plain(resolved)) == expected


def test_a_star_from_a_special_character_or_a_tag_value_is_literal_not_a_wildcard():
    """${*} "represents the * (asterisk) character": in a Resource it matches a * and nothing else; a value taken
    from the request is a value, not a pattern."""
    statement = allow(Action="secretsmanager:GetSecretValue", Resource="arn:aws:secretsmanager:*:secret:a${*}")
    assert decide([statement], resource="arn:aws:secretsmanager:us-east-1:1:secret:a*") == policies.ALLOWED
    assert decide([statement], resource="arn:aws:secretsmanager:us-east-1:1:secret:abc") == policies.IMPLICIT_DENY
    by_tag = allow(Action="secretsmanager:GetSecretValue", Resource=TEAM_SECRETS)
    assert decide([by_tag], context={"aws:principaltag/team": ["*"]}) == policies.IMPLICIT_DENY
