"""The LaTeX/plain answer parser: which text becomes which sympy value or structure."""

from __future__ import annotations

import pytest
import sympy

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.verifiers.math.latex import (
    LatexSyntaxError,
    parse_answer,
    parse_expression,
)
from rlvr_gym.verifiers.math.latex_tokens import MAX_REPETEND
from rlvr_gym.verifiers.math.structures import (
    DEGREE,
    PERCENT,
    Bracketed,
    Continuation,
    Matrix,
    RealSet,
    Relation,
    Scalar,
    SetOf,
    Text,
    ValueList,
)

x, y = sympy.symbols("x y")
R = sympy.Rational


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("\\frac{1}{2}", R(1, 2)),
        ("\\dfrac{3}{4}", R(3, 4)),
        ("\\tfrac{3}{4}", R(3, 4)),
        ("\\frac12", R(1, 2)),
        ("\\frac1{3}", R(1, 3)),
        ("3/4", R(3, 4)),
        ("-\\frac{1}{2}", R(-1, 2)),
        ("\\frac{-1}{2}", R(-1, 2)),
    ],
)
def test_fractions_are_exact_rationals(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("2\\frac{1}{2}", R(5, 2)), ("2 1/2", R(5, 2)), ("-2\\frac12", R(-5, 2)),
     ("3\\tfrac{1}{4}", R(13, 4))],
)
def test_mixed_numbers_add_their_proper_fraction(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


def test_an_integer_before_an_improper_fraction_multiplies() -> None:
    assert parse_expression("2\\frac{3}{2}") == 3


@pytest.mark.parametrize(
    "text",
    ["1000000", "1,000,000", "1{,}000{,}000", "1\\,000\\,000", "1 000 000", "1,\\!000,\\!000"],
)
def test_thousands_separators_join_digit_groups(text: str) -> None:
    assert parse_expression(text) == 1_000_000


@pytest.mark.parametrize(
    ("text", "value"),
    [("11,\\! 111,\\! 111,\\! 100", 11_111_111_100), ("32,\\! 349", 32_349),
     ("40,\\!000", 40_000), ("14 {, }916", 14_916), ("14{, }916", 14_916),
     ("14 {,} 916", 14_916)],
)
def test_explicit_thousands_separators_may_have_spaces_around_them(text: str, value: int) -> None:
    assert parse_expression(text) == value


def test_a_negative_space_after_a_comma_between_items_keeps_the_comma() -> None:
    one, two = Scalar(sympy.Integer(1)), Scalar(sympy.Integer(2))
    assert parse_answer("(1,\\!2)").node == Bracketed("(", ")", (one, two))


def test_a_comma_followed_by_a_space_separates_items() -> None:
    one, zero = Scalar(sympy.Integer(1)), Scalar(sympy.Integer(0))
    assert parse_answer("1, 000").node == ValueList((one, zero))


def test_commas_inside_set_braces_always_separate_items() -> None:
    node = parse_answer("\\{1,000\\}").node
    assert node == SetOf((Scalar(sympy.Integer(1)), Scalar(sympy.Integer(0))))


def test_commas_can_be_read_as_separators_on_request() -> None:
    assert isinstance(parse_answer("1,000", comma_thousands=False).node, ValueList)


@pytest.mark.parametrize(
    ("text", "value"),
    [("3.14", R(157, 50)), (".5", R(1, 2)), ("1.5e3", 1500), ("1.5E-3", R(3, 2000)),
     ("1.5\\times10^{3}", 1500), ("2.5 \\cdot 10^{-1}", R(1, 4))],
)
def test_decimals_and_scientific_notation_are_exact(text: str, value: sympy.Expr) -> None:
    answer = parse_answer(text)
    assert answer.node == Scalar(sympy.sympify(value))
    assert answer.has_decimal


def test_integers_and_fractions_are_not_marked_decimal() -> None:
    assert not parse_answer("\\frac{1}{3}").has_decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("\\sqrt{2}", sympy.sqrt(2)),
        ("\\sqrt2", sympy.sqrt(2)),
        ("\\sqrt{12}", 2 * sympy.sqrt(3)),
        ("\\sqrt[3]{8}", 2),
        ("\\sqrt[3]{-8}", -2),
        ("3\\sqrt{2}", 3 * sympy.sqrt(2)),
        ("sqrt(2)/2", sympy.sqrt(2) / 2),
        ("√2", sympy.sqrt(2)),
    ],
)
def test_roots(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("x^2", x**2), ("x^{2}", x**2), ("x**2", x**2), ("x^{-1}", 1 / x), ("x^-1", 1 / x),
        ("2^10", 1024), ("2^{10}", 1024), ("e^{x}", sympy.exp(x)), ("2^3^2", 2**9),
    ],
)
def test_powers(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2 \\cdot 3", 6), ("2\\times 3", 6), ("6 \\div 4", R(3, 2)), ("2*x", 2 * x),
        ("2x", 2 * x), ("xy", x * y), ("2\\pi", 2 * sympy.pi), ("2(x+1)", 2 * x + 2),
        ("(x+1)(x-1)", (x + 1) * (x - 1)), ("\\pi/4", sympy.pi / 4), ("pi/4", sympy.pi / 4),
        ("1/2x", x / 2),
    ],
)
def test_explicit_and_implicit_multiplication(text: str, value: sympy.Expr) -> None:
    assert sympy.expand(parse_expression(text) - value) == 0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("\\pi", sympy.pi), ("e", sympy.E), ("i", sympy.I), ("1+2i", 1 + 2 * sympy.I),
        ("\\infty", sympy.oo), ("-\\infty", -sympy.oo), ("∞", sympy.oo), ("oo", sympy.oo),
        ("\\alpha", sympy.Symbol("alpha")), ("x_1", sympy.Symbol("x_1")),
        ("a_{n}", sympy.Symbol("a_n")),
    ],
)
def test_constants_and_symbols(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("\\sin x", sympy.sin(x)), ("\\sin(x)", sympy.sin(x)), ("\\sin 2x", sympy.sin(2 * x)),
        ("\\sin^2 x", sympy.sin(x) ** 2), ("\\sin^{-1} x", sympy.asin(x)),
        ("\\sin x \\cos x", sympy.sin(x) * sympy.cos(x)), ("\\ln x", sympy.log(x)),
        ("\\log_2 8", 3), ("\\log_{10} 1000", 3), ("\\log 100", 2), ("\\ln e", 1),
        ("\\exp(x)", sympy.exp(x)), ("\\arctan 1", sympy.pi / 4), ("sinx", sympy.sin(x)),
        ("\\operatorname{sin} x", sympy.sin(x)),
    ],
)
def test_functions(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("\\binom{5}{2}", 10), ("\\dbinom{5}{2}", 10), ("5!", 120), ("|x|", sympy.Abs(x)),
        ("|-3|", 3), ("\\left|x\\right|", sympy.Abs(x)), ("\\lfloor 2.5 \\rfloor", 2),
        ("\\lceil 2.5 \\rceil", 3),
    ],
)
def test_combinatorics_absolute_value_and_rounding(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    "text",
    ["10 \\text{ cm}", "10\\,\\text{cm}", "10 cm", "10 \\mathrm{cm}^2", "\\$10", "10 dollars",
     "10\\text{ meters}", "\\boxed{10}", "$10$", "\\textbf{10}", "\\mbox{10}", "10."],
)
def test_units_currency_and_wrappers_are_stripped(text: str) -> None:
    assert parse_answer(text).node == Scalar(sympy.Integer(10))


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,000.99€", R(100099, 100)), ("€1,000.99", R(100099, 100)), ("£5", 5), ("300¥", 300),
     ("5\\euro", 5), ("1,000.99 m²", R(100099, 100)), ("1,000.99m²", R(100099, 100)),
     ("100\\pi\\text{ m}^2", 100 * sympy.pi), ("5\\text{ cm}^3", 5), ("5 cm^2", 5),
     ("5 cm²", 5), ("2\\,\\text{s}", 2), ("3\\mathrm{L}", 3)],
)
def test_currency_and_units_after_a_number_are_dropped(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("3 m^2", 3 * sympy.Symbol("m") ** 2), ("\\text{m}", sympy.Symbol("m")),
     ("m²", sympy.Symbol("m") ** 2), ("3m", 3 * sympy.Symbol("m"))],
)
def test_a_unit_letter_is_a_variable_unless_it_follows_a_value_as_a_unit(
    text: str, value: sympy.Expr
) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(("text", "value"), [("x²", x**2), ("10³", 1000), ("2^3", 8)])
def test_unicode_superscripts_are_powers(text: str, value: sympy.Expr) -> None:
    assert parse_expression(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("4.5 \\text{ million}", 4_500_000), ("4.5 million", 4_500_000), ("3 thousand", 3000),
     ("2\\text{ billion dollars}", 2_000_000_000), ("-1.5\\text{ trillion}", -1.5e12)],
)
def test_a_scale_word_after_a_number_multiplies_it(text: str, value: float) -> None:
    assert parse_expression(text) == sympy.Rational(value)


def test_a_scale_word_alone_is_text() -> None:
    assert parse_answer("\\text{million}").node == Text("million")


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.\\overline{3}", R(1, 3)), ("0.\\overline{9}", 1), ("1.2\\overline{34}", R(611, 495)),
     ("0.1\\overline{6}", R(1, 6)), ("0.\\overline3", R(1, 3)), ("0.(3)", R(1, 3)),
     ("0.1(6)", R(1, 6)), ("-0.\\overline{142857}", R(-1, 7))],
)
def test_repeating_decimals_are_exact_rationals(text: str, value: sympy.Expr) -> None:
    answer = parse_answer(text)
    assert answer.node == Scalar(sympy.sympify(value))
    assert not answer.has_decimal


def test_an_expression_in_parentheses_after_a_decimal_multiplies_it() -> None:
    assert parse_expression("2.5(x+1)") == R(5, 2) * (x + 1)


@pytest.mark.parametrize(
    "text", ["0.\\overline{x}", "0.\\overline{" + "3" * (MAX_REPETEND + 1) + "}"]
)
def test_a_repetend_must_be_a_short_run_of_digits(text: str) -> None:
    with pytest.raises(LatexSyntaxError):
        parse_answer(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("five", 5), ("\\text{five}", 5), ("\\textbf{Twelve}", 12), ("twenty", 20),
     ("twenty-one", 21), ("ninety nine", 99), ("one hundred", 100), ("a hundred", 100),
     ("one hundred and five", 105), ("zero", 0), ("\\text{ seven }", 7), ("Three.", 3)],
)
def test_a_number_written_in_words_is_that_number(text: str, value: int) -> None:
    assert parse_answer(text).node == Scalar(sympy.Integer(value))


@pytest.mark.parametrize(
    ("text", "words"),
    [("\\text{five apples}", "five apples"), ("\\text{twenty-eleven}", "twenty-eleven"),
     ("\\text{hundred hundred}", "hundred hundred"), ("\\text{zero hundred}", "zero hundred")],
)
def test_words_that_are_not_a_whole_number_stay_text(text: str, words: str) -> None:
    assert parse_answer(text).node == Text(words)


@pytest.mark.parametrize(
    "text", ["\\text{infinitely many}", "infinitely many", "\\text{Infinitely many solutions}",
             "\\text{infinite}"],
)
def test_infinitely_many_is_infinity(text: str) -> None:
    assert parse_answer(text).node == Scalar(sympy.oo)


@pytest.mark.parametrize(
    "text", ["1, 2, 3, ...", "1, 2, 3, \\ldots", "1, 2, 3, \\cdots", "1, 2, 3, \\dots",
             "1, 2, 3, …", "1, 2, 3\\ldots", "1, 2, 3...", "1, 2, 3, \\ldots."],
)
def test_a_list_ending_in_an_ellipsis_continues(text: str) -> None:
    items = tuple(Scalar(sympy.Integer(n)) for n in (1, 2, 3))
    assert parse_answer(text).node == ValueList((*items, Continuation()))


def test_a_list_left_dangling_on_a_comma_continues() -> None:
    # What the extractor leaves of `1, 2, 3, ...` after stripping the "full stop".
    items = tuple(Scalar(sympy.Integer(n)) for n in (1, 2, 3))
    assert parse_answer("1, 2, 3,").node == ValueList((*items, Continuation()))


def test_a_single_number_with_a_trailing_comma_is_that_number() -> None:
    assert parse_answer("5,").node == Scalar(sympy.Integer(5))


def test_a_set_with_an_ellipsis_continues() -> None:
    items = (Scalar(sympy.Integer(1)), Scalar(sympy.Integer(2)), Continuation())
    assert parse_answer("\\{1, 2, \\ldots\\}").node == SetOf(items)


def test_an_ellipsis_inside_a_list_stands_for_the_missing_items() -> None:
    node = parse_answer("1, 2, \\ldots, 10").node
    assert node == ValueList((Scalar(sympy.Integer(1)), Scalar(sympy.Integer(2)), Continuation(),
                              Scalar(sympy.Integer(10))))


@pytest.mark.parametrize("text", ["50\\%", "50%", "50 percent"])
def test_a_percentage_carries_the_percent_mark(text: str) -> None:
    assert parse_answer(text).node == Scalar(50 * PERCENT)


@pytest.mark.parametrize("text", ["30^\\circ", "30^{\\circ}", "30°", "30 degrees", "30\\degree"])
def test_degrees_carry_the_degree_mark(text: str) -> None:
    assert parse_answer(text).node == Scalar(30 * DEGREE)


def test_plus_minus_expands_to_a_set_of_two_values() -> None:
    node = parse_answer("1 \\pm \\sqrt{2}").node
    assert node == SetOf((Scalar(1 + sympy.sqrt(2)), Scalar(1 - sympy.sqrt(2))))


def test_plus_minus_in_a_list_is_flattened() -> None:
    node = parse_answer("\\pm 1, 3").node
    assert isinstance(node, ValueList)
    assert len(node.items) == 3


@pytest.mark.parametrize(
    ("text", "exprs", "ops"),
    [
        ("x=3", (x, 3), ("=",)),
        ("y = 2x+1", (y, 2 * x + 1), ("=",)),
        ("x \\le 3", (x, 3), ("<=",)),
        ("x \\leq 3", (x, 3), ("<=",)),
        ("x \\geq 3", (x, 3), (">=",)),
        ("x \\ge 3", (x, 3), (">=",)),
        ("x \\neq 3", (x, 3), ("!=",)),
        ("x >= 3", (x, 3), (">=",)),
        ("1<x<3", (1, x, 3), ("<", "<")),
        ("x \\approx 3", (x, 3), ("=",)),
    ],
)
def test_equations_and_inequalities_are_relations(
    text: str, exprs: tuple[sympy.Expr, ...], ops: tuple[str, ...]
) -> None:
    assert parse_answer(text).node == Relation(tuple(sympy.sympify(e) for e in exprs), ops)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[1, 2)", sympy.Interval.Ropen(1, 2)),
        ("(-\\infty, 3]", sympy.Interval(-sympy.oo, 3)),
        ("\\left(1, \\infty\\right)", sympy.Interval.open(1, sympy.oo)),
        ("(-\\infty,1)\\cup(3,\\infty)",
         sympy.Union(sympy.Interval.open(-sympy.oo, 1), sympy.Interval.open(3, sympy.oo))),
        ("[0,1) \\cup [1,2]", sympy.Interval(0, 2)),
        ("\\mathbb{R}", sympy.S.Reals),
        ("x \\in [1, 2]", sympy.Interval(1, 2)),
    ],
)
def test_intervals_and_unions_are_real_sets(text: str, value: sympy.Set) -> None:
    node = parse_answer(text).node
    assert isinstance(node, RealSet)
    assert sympy.Union(node.value) == value


def test_set_difference_from_the_reals() -> None:
    node = parse_answer("\\mathbb{R} \\setminus \\{2\\}").node
    assert isinstance(node, RealSet)
    assert node.value == sympy.Union(sympy.Interval.open(-sympy.oo, 2),
                                     sympy.Interval.open(2, sympy.oo))


@pytest.mark.parametrize("text", ["(1, 2)", "\\left( 1, 2 \\right)"])
def test_a_pair_in_round_brackets_stays_ambiguous(text: str) -> None:
    assert parse_answer(text).node == Bracketed(
        "(", ")", (Scalar(sympy.Integer(1)), Scalar(sympy.Integer(2))))


def test_a_tuple_keeps_its_order() -> None:
    node = parse_answer("(3, 1, 2)").node
    assert isinstance(node, Bracketed)
    assert [i.expr for i in node.items if isinstance(i, Scalar)] == [3, 1, 2]


@pytest.mark.parametrize(
    "text", ["\\{1,2,3\\}", "\\left\\{1, 2, 3\\right\\}", "\\lbrace 1,2,3\\rbrace"]
)
def test_braces_make_a_finite_set(text: str) -> None:
    node = parse_answer(text).node
    assert isinstance(node, SetOf)
    assert len(node.items) == 3


@pytest.mark.parametrize("text", ["\\emptyset", "\\varnothing", "\\{\\}"])
def test_the_empty_set(text: str) -> None:
    assert parse_answer(text).node == SetOf(())


def test_a_bare_comma_list_is_a_value_list() -> None:
    assert isinstance(parse_answer("1, 2, 3").node, ValueList)


def test_or_between_equations_lists_their_values() -> None:
    node = parse_answer("x = 1 \\text{ or } x = 2").node
    assert isinstance(node, ValueList)
    assert all(isinstance(i, Relation) for i in node.items)


@pytest.mark.parametrize("env", ["pmatrix", "bmatrix", "matrix"])
def test_matrices_are_read_row_by_row(env: str) -> None:
    node = parse_answer(f"\\begin{{{env}}} 1 & 2 \\\\ 3 & 4 \\end{{{env}}}").node
    assert node == Matrix(((sympy.Integer(1), sympy.Integer(2)),
                           (sympy.Integer(3), sympy.Integer(4))))


def test_a_column_vector_is_a_one_column_matrix() -> None:
    node = parse_answer("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}").node
    assert node == Matrix(((sympy.Integer(1),), (sympy.Integer(2),)))


def test_angle_brackets_make_a_tuple() -> None:
    assert isinstance(parse_answer("\\langle 1, 2, 3 \\rangle").node, Bracketed)


@pytest.mark.parametrize(("text", "words"), [("\\text{no solution}", "no solution"),
                                             ("yes", "yes"), ("\\text{Evelyn}", "Evelyn")])
def test_prose_answers_are_text(text: str, words: str) -> None:
    assert parse_answer(text).node == Text(words)


@pytest.mark.parametrize("text", ["\\text{(A)}", "(A)", "A", "\\textbf{(A)}"])
def test_multiple_choice_letters_are_symbols(text: str) -> None:
    assert parse_answer(text).node == Scalar(sympy.Symbol("A"))


def test_huge_powers_stay_unevaluated() -> None:
    value = parse_expression("10^{10^{10}}")
    assert sympy.Integer(10) ** 10 in value.args


@pytest.mark.parametrize(
    "text", ["", "\\frac{1}{0}", "1 +", "(1, 2", "\\foo{3}", "1 & 2", "(1, 2]]", "\\sqrt",
             "(" * 400 + "1" + ")" * 400],
)
def test_malformed_answers_raise_latex_syntax_error(text: str) -> None:
    with pytest.raises(LatexSyntaxError):
        parse_answer(text)


def test_a_structure_is_not_an_expression() -> None:
    with pytest.raises(LatexSyntaxError):
        parse_expression("(1, 2)")


def test_a_non_string_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        parse_answer(3)  # type: ignore[arg-type]


def test_parsing_is_cached() -> None:
    assert parse_answer("\\frac{7}{9}") is parse_answer("\\frac{7}{9}")
