from __future__ import annotations

from rlvr_gym.verifiers.code.extract import extract_code, fenced_blocks


def test_the_last_python_block_wins() -> None:
    text = "First try:\n```python\nx = 1\n```\nBetter:\n```python\nx = 2\n```\nDone."
    assert extract_code(text) == ("x = 2\n", "python_block")


def test_python_blocks_win_over_larger_other_blocks() -> None:
    text = "```text\n" + "a long explanation\n" * 20 + "```\n```py\nprint(1)\n```\n"
    assert extract_code(text) == ("print(1)\n", "python_block")


def test_without_a_python_block_the_largest_block_is_taken() -> None:
    text = "```\nsmall = 1\n```\n```\nlarger = 1\nand_more = 2\n```\n"
    assert extract_code(text) == ("larger = 1\nand_more = 2\n", "block")


def test_plain_text_without_fences_is_the_program() -> None:
    assert extract_code("print(input())\n") == ("print(input())\n", "text")


def test_an_unclosed_fence_runs_to_the_end() -> None:
    blocks = fenced_blocks("Here:\n```python\ndef f():\n    return 1\n")
    assert [(b.language, b.text, b.closed) for b in blocks] == [
        ("python", "def f():\n    return 1\n", False)]


def test_language_tags_are_case_insensitive_and_may_carry_more_words() -> None:
    assert extract_code("```Python title=sol.py\nx = 3\n```") == ("x = 3\n", "python_block")


def test_tilde_fences_and_longer_backtick_fences_are_read() -> None:
    assert extract_code("~~~python\na = 1\n~~~\n") == ("a = 1\n", "python_block")
    text = "````python\ns = '```'\n````\n"
    assert extract_code(text) == ("s = '```'\n", "python_block")
