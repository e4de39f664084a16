import pytest
from django.core.exceptions import ValidationError

from enforcement.validators import normalize_uscc, validate_uscc


def test_the_standards_valid_example_passes():
    validate_uscc("91310000631696382C")


@pytest.mark.parametrize("position", range(17))
def test_changing_any_one_character_breaks_the_check(position):
    code = list("91310000631696382C")
    code[position] = "1" if code[position] != "1" else "2"
    with pytest.raises(ValidationError):
        validate_uscc("".join(code))


def test_wrong_check_character_is_rejected_with_its_own_message():
    with pytest.raises(ValidationError) as error:
        validate_uscc("91310000631696382D")
    assert error.value.code == "uscc_check"


def test_excluded_letters_are_rejected_and_named():
    with pytest.raises(ValidationError) as error:
        validate_uscc("91310104MA1FR0IO0A")
    assert error.value.code == "uscc_charset"
    assert "I" in error.value.messages[0] and "O" in error.value.messages[0]


def test_wrong_length_is_rejected():
    with pytest.raises(ValidationError) as error:
        validate_uscc("9131000063169638")
    assert error.value.code == "uscc_length"


def test_normalisation_strips_spaces_hyphens_and_folds_full_width():
    assert normalize_uscc(" ９１３１-0000 6316 9638 2c ") == "91310000631696382C"
    validate_uscc(" ９１３１-0000 6316 9638 2c ")
