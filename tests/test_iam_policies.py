"""IAM action matching, which every least-privilege rule relies on."""

from __future__ import annotations

import pytest

from iaclint.iam.policies import action_matches


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("S3:getobject", "s3:GetObject", True),  # IAM action names are case-insensitive
        (" s3:GetObject ", "s3:GetObject", True),
        ("s3:GetObject", "s3:GetObjectAcl", False),  # a full name is not a prefix
        ("s3:Get*", "s3:GetObject", True),
        ("S3:GET*", "s3:GetObject", True),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Put*", "s3:GetObject", False),
        ("*", "s3:*", True),
        ("s3:GetObject", "s3:*", False),  # a named action does not grant every action
        ("s3.GetObject", "s3xGetObject", False),  # a dot is literal
        (None, "s3:GetObject", False),
        ({"Ref": "Action"}, "s3:GetObject", False),
    ],
)
def test_action_matches(pattern, action, expected):
    assert action_matches(pattern, action) is expected
