"""The colour rule as data: pure logic, no database."""

from credit.rules import DEFAULT_RULE, apply_rule, self_assessment_score, validate_rule

RULE = {
    "green_min_score": 85,
    "yellow_min_score": 60,
    "no_self_assessment_colour": "yellow",
    "factors": [
        {
            "name": "enforcement.substantiated_complaints",
            "points_each": 10,
            "max_points": 30,
            "yellow_at": 1,
            "red_at": 4,
        },
        {"name": "enforcement.penalties", "points_each": 15, "max_points": 45},
    ],
}


def test_full_marks_and_clean_records_are_green():
    result = apply_rule(
        RULE,
        self_score=100,
        failed_veto_items=[],
        factor_values={
            "enforcement.substantiated_complaints": 0,
            "enforcement.penalties": 0,
        },
    )
    assert result.colour == "green"
    assert result.score == 100


def test_a_failed_veto_item_forces_red_whatever_the_score():
    result = apply_rule(
        RULE, self_score=100, failed_veto_items=["CV1"], factor_values={}
    )
    assert result.colour == "red"
    assert {"kind": "veto", "items": ["CV1"]} in result.reasons


def test_one_complaint_last_month_turns_a_full_self_assessment_yellow():
    result = apply_rule(
        RULE,
        self_score=100,
        failed_veto_items=[],
        factor_values={"enforcement.substantiated_complaints": 1},
    )
    assert result.score == 90  # still above the green threshold ...
    assert result.colour == "yellow"  # ... but the factor caps the colour
    assert any(r["kind"] == "factor_cap" for r in result.reasons)


def test_record_deductions_follow_points_each_and_their_cap():
    result = apply_rule(
        RULE,
        self_score=90,
        failed_veto_items=[],
        factor_values={"enforcement.penalties": 5},  # 75 points, capped at 45
    )
    assert result.score == 45
    assert result.colour == "red"


def test_red_at_threshold_forces_red():
    result = apply_rule(
        RULE,
        self_score=100,
        failed_veto_items=[],
        factor_values={"enforcement.substantiated_complaints": 4},
    )
    assert result.score == 70
    assert result.colour == "red"


def test_a_factor_the_platform_does_not_provide_counts_nothing_and_says_so():
    result = apply_rule(RULE, self_score=88, failed_veto_items=[], factor_values={})
    assert result.colour == "green"
    unavailable = [
        r["factor"] for r in result.reasons if r["kind"] == "factor_unavailable"
    ]
    assert unavailable == [
        "enforcement.substantiated_complaints",
        "enforcement.penalties",
    ]


def test_without_self_assessment_the_colour_is_at_best_yellow():
    result = apply_rule(RULE, self_score=None, failed_veto_items=[], factor_values={})
    assert result.colour == "yellow"
    assert result.reasons[0]["kind"] == "no_self_assessment"


def test_self_assessment_score_is_points_earned_over_points_applicable():
    assert self_assessment_score([(10, "yes"), (10, "no"), (20, "na")]) == 50.0
    assert self_assessment_score([(10, "na")]) == 100.0


def test_the_default_rule_is_valid_and_a_rule_with_yellow_above_green_is_not():
    assert validate_rule(DEFAULT_RULE) == {}
    problems = validate_rule({**DEFAULT_RULE, "yellow_min_score": 90})
    assert "yellow_min_score" in problems
    problems = validate_rule(
        {**DEFAULT_RULE, "factors": [{"name": "x", "yellow_at": 3, "red_at": 1}]}
    )
    assert "factors[0]" in problems
