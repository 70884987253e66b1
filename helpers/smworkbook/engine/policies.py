"""How AWS decides whether a request to Secrets Manager is allowed: IAM policy evaluation.

Built on moto's own machinery (moto.iam.access_control: IAMPolicy, IAMPolicyStatement and
PermissionResult), extended with what moto 5.2 leaves out for Secrets Manager: the Resource of a
statement, its Condition (tags and the other context keys), the Principal of a resource-based
policy, and the order AWS applies them in (Secrets Manager user guide, "Determine who has
permissions to your secrets"):

1. an explicit Deny in any policy that matches the action and resource wins;
2. otherwise an Allow that matches grants access (in one account, an Allow in the identity's
   policies or in the secret's resource policy is enough);
3. otherwise the request is denied: an implicit deny.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult

ALLOWED = "allowed"
IDENTITY_DENY = "explicit deny in an identity-based policy"
RESOURCE_DENY = "explicit deny in a resource-based policy"
IMPLICIT_DENY = "implicit deny"


@dataclass
class Request:
    """What a policy is evaluated against: who asks, for which action, on which resource."""

    principal: str  # e.g. arn:aws:iam::123456789012:user/app
    action: str  # e.g. secretsmanager:GetSecretValue
    resource: str  # the secret's ARN, or "*" for actions on no particular secret
    context: dict[str, list[str]] = field(default_factory=dict)  # condition keys, lower-cased

    @property
    def account(self) -> str:
        return self.principal.split(":")[4]


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    # IAM wildcards: * is any run of characters (including none), ? is exactly one character.
    # Nothing else is special, unlike a regular expression; a * or ? that came from a policy variable is literal.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(_PLAIN.get(c, c)) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


# Policy variables (IAM User Guide, "IAM policy elements: Variables and tags"): "${aws:username}" is replaced by
# the request's value of that condition key, "${key, 'default'}" by the default when the key has no value, and
# "${*}", "${?}", "${$}" by the characters *, ? and $ taken literally. Characters that stand for a literal * or ?
# after substitution (Unicode private use), so that wildcards still work around them.
_LITERAL = {"*": "\ue000", "?": "\ue001"}
_PLAIN = {v: k for k, v in _LITERAL.items()}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
VARIABLES_VERSION = "2012-10-17"


def _plain(text: str) -> str:
    return "".join(_PLAIN.get(c, c) for c in text)


def substitute(text: str, context: dict[str, list[str]]) -> str | None:
    """`text` with its policy variables replaced from the request's `context`; None when one has no value.

    IAM User Guide, "IAM policy elements: Variables and tags": "Variables are marked using a $ prefix followed by
    a pair of curly braces ({ }) that include the variable name of the value from the request. When the policy is
    evaluated, the policy variables are replaced with values that come from the conditional context keys passed in
    the request." Condition key names are case-insensitive. "Specifying default values": "To add a default value
    to a variable, surround the default value with single quotes (' '), and separate the variable text and the
    default value with a comma and space (, )". "Special characters": "${*} - represents the * (asterisk)
    character. ${?} - represents the ? (question mark) character. ${$} - represents the $ (dollar sign)
    character." A key with no value in the request (and no default) leaves the variable unresolved: "If AWS
    cannot resolve a variable this might cause the entire statement to be invalid" (the caller decides what an
    unresolved value matches: nothing). A key with several values (a multivalued key) resolves to none of them.
    """
    unresolved = False

    def replace(match) -> str:
        nonlocal unresolved
        inner = match.group(1)
        if inner in _LITERAL:
            return _LITERAL[inner]
        if inner == "$":
            return "$"
        key, comma, default = inner.partition(",")
        values = context.get(key.strip().lower())
        default = default.strip()
        if values is not None and len(values) == 1:
            value = values[0]
        elif comma and len(default) >= 2 and default[0] == default[-1] == "'":
            value = default[1:-1].replace("''", "'")
        else:
            unresolved = True
            return ""
        # A value from the request is taken literally: its * and ? are not wildcards.
        return "".join(_LITERAL.get(c, c) for c in value)

    result = _VARIABLE.sub(replace, text)
    return None if unresolved else result


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# Condition operators: each compares the request's values for a key with the policy's values.
_STRING_OPERATORS = {
    "stringequals": lambda actual, expected: actual == _plain(expected),
    "stringequalsignorecase": lambda actual, expected: actual.lower() == _plain(expected).lower(),
    "stringlike": lambda actual, expected: _glob(expected, actual),
    "arnequals": lambda actual, expected: actual == _plain(expected),
    "arnlike": lambda actual, expected: _glob(expected, actual),
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
_NEGATED_ANY = set(_NEGATED) | {f"{name}ifexists" for name in _NEGATED}


def _condition_holds(operator: str, key: str, expected, context: dict[str, list[str]], variables: bool = False) -> bool:
    """One operator/key pair of a Condition block, evaluated as the IAM User Guide describes."""
    op = operator.lower()
    if variables and not op.startswith("null"):
        # Policy variables work in a condition's values (IAM User Guide, "Where you can use policy variables":
        # "You can use policy variables in the Resource element and in string comparisons in the Condition
        # element"). A value whose variable has no value matches nothing; under a negated operator the
        # condition cannot hold ("No value" makes the statement not apply).
        resolved = [substitute(str(value), context) for value in _as_list(expected)]
        if None in resolved and (op.removeprefix("foranyvalue:").removeprefix("forallvalues:") in _NEGATED_ANY):
            return False
        expected = [value for value in resolved if value is not None]
        if not expected:
            return False
    set_operator = None
    if op.startswith(("foranyvalue:", "forallvalues:")):
        set_operator, op = op.split(":", 1)
    if_exists = op.endswith("ifexists")
    op = op.removesuffix("ifexists")
    actual = context.get(key.lower())
    expected = [str(value) for value in _as_list(expected)]

    if op == "null":
        # "Null": "true" means the key must be absent from the request, "false" present.
        return (actual is None) == (expected[0].lower() == "true")
    if actual is None:
        # A missing key fails every operator, negated ones included, unless ...IfExists, and
        # ForAllValues (which holds for an empty set).
        return if_exists or set_operator == "forallvalues"
    negate = op in _NEGATED
    compare = _STRING_OPERATORS.get(_NEGATED.get(op, op))
    if compare is None:
        if op == "bool":
            compare = lambda a, e: a.lower() == e.lower()  # noqa: E731
        else:  # numeric, date and IP operators: no Secrets Manager key of ours uses them
            return False

    def matches(value: str) -> bool:
        # IAM User Guide, "Conditions with multiple context keys or values": a policy's values are ORed; a
        # negated operator NORs them (the request's value matches none of them).
        found = any(compare(value, e) for e in expected)
        return not found if negate else found

    # ForAllValues: every value in the request matches (true for none); ForAnyValue: at least one does.
    # Without a set operator a negated operator holds when no value in the request matches.
    if set_operator == "forallvalues":
        return all(matches(value) for value in actual)
    if set_operator == "foranyvalue" or not negate:
        return any(matches(value) for value in actual)
    return all(matches(value) for value in actual)


class Statement(IAMPolicyStatement):
    """One statement of a policy, matched on action, resource, principal and conditions.

    `variables`: whether the policy's Version lets it use policy variables (IAM User Guide, "IAM policy elements:
    Variables and tags": "You must set the Version element to 2012-10-17 ... If you don't include the Version
    element, variables such as ${aws:username} aren't recognized as variables and are instead treated as literal
    strings in the policy.").
    """

    def __init__(self, statement, variables: bool = False) -> None:
        super().__init__(statement)
        self._variables = variables

    def evaluate(self, request: Request, resource_policy: bool = False) -> PermissionResult:
        s = self._statement
        if not self._matches("Action", "NotAction", request.action, ignore_case=True):
            return PermissionResult.NEUTRAL
        if ("Resource" in s or "NotResource" in s) and not self._matches(
            "Resource", "NotResource", request.resource, context=request.context
        ):
            return PermissionResult.NEUTRAL
        if resource_policy and not self._principal_matches(request, deny=s.get("Effect") == "Deny"):
            return PermissionResult.NEUTRAL
        for operator, keys in (s.get("Condition") or {}).items():
            for key, expected in keys.items():
                if not _condition_holds(operator, key, expected, request.context, self._variables):
                    return PermissionResult.NEUTRAL
        return PermissionResult.DENIED if s.get("Effect") == "Deny" else PermissionResult.PERMITTED

    def _matches(self, element: str, not_element: str, value: str, ignore_case: bool = False, context=None) -> bool:
        if element in self._statement:
            return any(_glob(p, value, ignore_case) for p in self._patterns(element, context))
        if not_element in self._statement:
            return not any(_glob(p, value, ignore_case) for p in self._patterns(not_element, context))
        return False

    def _patterns(self, element: str, context) -> list[str]:
        patterns = [str(p) for p in _as_list(self._statement[element])]
        if context is None or not self._variables:
            return patterns
        # A Resource whose variable has no value matches no resource.
        return [p for p in (substitute(p, context) for p in patterns) if p is not None]

    def _principal_matches(self, request: Request, deny: bool) -> bool:
        if "NotPrincipal" in self._statement:
            # IAM User Guide, "AWS JSON policy elements: NotPrincipal": the statement applies to every
            # principal except those named. Its example of a Deny names the user and its account ("you
            # must also specify the account ARN of the not-denied principal"): only that user is spared,
            # the account's other users are denied. Here a principal is spared when its own ARN is named.
            exempt = self._named(self._statement["NotPrincipal"])
            return not any(name in ("*", request.principal) for name in exempt)
        principal = self._statement.get("Principal")
        if principal is None:
            return False
        for name in self._named(principal):
            if name == "*" or name == request.principal:
                return True
            # The account itself ("123456789012" or its root ARN): a Deny applies to everyone in
            # it; an Allow only delegates to the account's own IAM policies, it grants nothing.
            if name in (request.account, f"arn:aws:iam::{request.account}:root"):
                return deny
        return False

    @staticmethod
    def _named(principal) -> list:
        """The AWS principals a Principal or NotPrincipal element names ("*" is everyone)."""
        if principal == "*":
            return ["*"]
        return _as_list(principal.get("AWS", [])) if isinstance(principal, dict) else []


class Policy(IAMPolicy):
    """A policy document (a dict, JSON text, or one of moto's IAM policy objects)."""

    def __init__(self, policy) -> None:
        if isinstance(policy, dict) and "Statement" in policy:
            policy = json.dumps(policy)
        super().__init__(policy)

    def evaluate(self, request: Request, resource_policy: bool = False) -> PermissionResult:
        result = PermissionResult.NEUTRAL
        variables = self._policy_json.get("Version") == VARIABLES_VERSION
        for statement in _as_list(self._policy_json.get("Statement", [])):
            outcome = Statement(statement, variables).evaluate(request, resource_policy)
            if outcome == PermissionResult.DENIED:
                return outcome
            if outcome == PermissionResult.PERMITTED:
                result = outcome
        return result


def decide(request: Request, identity_policies: list, resource_policy=None) -> str:
    """ALLOWED, or why not (IDENTITY_DENY, RESOURCE_DENY or IMPLICIT_DENY)."""
    identity = [Policy(policy).evaluate(request) for policy in identity_policies]
    resource = Policy(resource_policy).evaluate(request, resource_policy=True) if resource_policy else None
    if PermissionResult.DENIED in identity:
        return IDENTITY_DENY
    if resource == PermissionResult.DENIED:
        return RESOURCE_DENY
    if PermissionResult.PERMITTED in identity or resource == PermissionResult.PERMITTED:
        return ALLOWED
    return IMPLICIT_DENY


def secret_keys(secret) -> dict[str, list[str]]:
    """The condition keys a secret brings to a request: its ARN, name and tags (moto FakeSecret)."""
    keys = {"secretsmanager:secretid": [secret.arn], "secretsmanager:name": [secret.name]}
    for tag in secret.tags or []:
        # Both spellings work in AWS: secretsmanager:ResourceTag/<key> and aws:ResourceTag/<key>.
        for prefix in ("secretsmanager:resourcetag/", "aws:resourcetag/"):
            keys[f"{prefix}{tag['Key']}".lower()] = [tag.get("Value", "")]
    return keys


def denial_message(request: Request, reason: str, resource_as_given: str | None) -> str:
    """The message AWS gives with AccessDeniedException (it names the resource as the caller did)."""
    on = f" on resource: {resource_as_given}" if resource_as_given else ""
    why = (
        f"because no identity-based policy allows the {request.action} action"
        if reason == IMPLICIT_DENY
        else f"with an {reason}"
    )
    return f"User: {request.principal} is not authorized to perform: {request.action}{on} {why}"


def is_public(policy: dict) -> bool:
    """Does a resource policy Allow everyone ("Principal": "*") with no Condition to narrow it?"""
    for statement in _as_list(policy.get("Statement", [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or statement.get("Condition"):
            continue
        principal = statement.get("Principal")
        aws = principal if principal == "*" else (principal or {}).get("AWS", []) if isinstance(principal, dict) else []
        if "*" in _as_list(aws) or "NotPrincipal" in statement:
            return True
    return False


__all__ = [
    "ALLOWED",
    "IDENTITY_DENY",
    "IMPLICIT_DENY",
    "RESOURCE_DENY",
    "Policy",
    "Request",
    "Statement",
    "decide",
    "denial_message",
    "is_public",
    "secret_keys",
    "substitute",
]
