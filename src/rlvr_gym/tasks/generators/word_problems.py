"""Templated multi-step word problems with integer answers, GSM8K style (rlvr/MathWordProblems-v0).

Each template writes its story, the exact answer and labelled steps (``Apples: 3 \\cdot 4 = 12``);
the text before ``: `` names the quantity and the rest is a literally true identity.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.notation import answer_line

_MAX_DRAWS = 1000
NAMES = ("Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Imani", "Jonas",
         "Kira", "Leo", "Maya", "Noah", "Olga", "Pedro")
ITEMS = ("notebooks", "pens", "apples", "mugs", "tickets", "plants", "candles", "scarves",
         "batteries", "puzzles")
PURCHASES = ("a bike helmet", "a book", "a pair of shoes", "a board game", "a backpack",
             "a lamp", "a jacket", "a watch")
TEMPLATES = ("shopping", "travel", "ages", "sharing", "savings")


@dataclass(frozen=True)
class WordProblemConfig(GeneratorConfig):
    """Knobs of a templated word problem.

    templates: which stories may be told, a non-empty subset of ``shopping``, ``travel``,
        ``ages``, ``sharing`` and ``savings``.
    parts: how many quantities the story combines (item kinds, trip legs, people, box kinds,
        purchases), 2..5; each adds a step.
    magnitude: the largest unit value (a price, a speed, a weekly wage, a box size), 5..1000.
    """

    templates: tuple[str, ...] = TEMPLATES
    parts: int = 2
    magnitude: int = 10

    def validate(self) -> None:
        self.require_subset("templates", TEMPLATES)
        self.require_int("parts", 2, 5)
        self.require_int("magnitude", 5, 1000)


@dataclass(frozen=True)
class Story:
    """A drawn problem: its text, integer answer and labelled steps."""

    question: str
    answer: int
    steps: list[str]


def _count(rng: random.Random, config: WordProblemConfig) -> int:
    """A small multiplier (items bought, hours, weeks), growing slowly with the magnitude."""
    return rng.randint(2, min(20, 5 + config.magnitude // 50))


def _sum_line(label: str, values: list[int]) -> str:
    return f"{label}: {' + '.join(map(str, values))} = {sum(values)}"


def shopping(rng: random.Random, config: WordProblemConfig) -> Story:
    name = rng.choice(NAMES)
    items = rng.sample(ITEMS, config.parts)
    bought = [(item, _count(rng, config), rng.randint(2, config.magnitude)) for item in items]
    costs = [q * p for _, q, p in bought]
    total = sum(costs)
    note = 10 if total < 100 else 50 if total < 1000 else 100
    paid = (total // note + 1) * note
    listing = ", ".join(f"{q} {item} at ${p} each" for item, q, p in bought[:-1])
    item, q, p = bought[-1]
    question = (
        f"{name} buys {listing} and {q} {item} at ${p} each. {name} pays with ${paid}. "
        f"How much change, in dollars, does {name} get back?"
    )
    steps = [f"Cost of the {item}: {q} \\cdot {p} = {q * p}" for item, q, p in bought]
    steps.append(_sum_line("Total cost", costs))
    steps.append(f"Change: {paid} - {total} = {paid - total}")
    return Story(question, paid - total, steps)


def travel(rng: random.Random, config: WordProblemConfig) -> Story:
    vehicle = rng.choice(("A train", "A truck", "A ferry", "A cyclist", "A bus"))
    # Speeds stay believable (at most 120 km/h); larger magnitudes lengthen the trip instead.
    top_speed = min(120, max(10, config.magnitude))
    legs = [(rng.randint(5, top_speed), _count(rng, config)) for _ in range(config.parts)]
    pieces = [f"at {v} km per hour for {t} hours" for v, t in legs]
    question = (
        f"{vehicle} travels {pieces[0]}, then "
        + ", then ".join(pieces[1:])
        + ". How many kilometres does it travel in total?"
    )
    distances = [v * t for v, t in legs]
    steps = [f"Leg {i}: {v} \\cdot {t} = {v * t}" for i, (v, t) in enumerate(legs, start=1)]
    steps.append(_sum_line("Total distance", distances))
    return Story(question, sum(distances), steps)


def ages(rng: random.Random, config: WordProblemConfig) -> Story:
    for _ in range(_MAX_DRAWS):
        people = rng.sample(NAMES, config.parts)
        age = rng.randint(3, 12 + min(config.magnitude, 30))
        ages_now = [age]
        sentences = [f"{people[0]} is {age} years old."]
        steps = []
        for i, person in enumerate(people[1:], start=1):
            previous, name = ages_now[-1], people[i - 1]
            if rng.random() < 0.4 and previous <= 30:
                k = rng.randint(2, 3)
                ages_now.append(previous * k)
                sentences.append(f"{person} is {k} times as old as {name}.")
                steps.append(f"{person}'s age: {previous} \\cdot {k} = {previous * k}")
            else:
                d = rng.randint(1, 15)
                older = rng.random() < 0.5 or previous - d < 1
                ages_now.append(previous + d if older else previous - d)
                relation = "older" if older else "younger"
                years_text = "year" if d == 1 else "years"
                sentences.append(f"{person} is {d} {years_text} {relation} than {name}.")
                sign = "+" if older else "-"
                steps.append(f"{person}'s age: {previous} {sign} {d} = {ages_now[-1]}")
        if max(ages_now) <= 100:
            break
    years = rng.randint(2, 10)
    people_text = ", ".join(people[:-1]) + f" and {people[-1]}"
    question = (
        " ".join(sentences)
        + f" What will be the sum of the ages of {people_text} in {years} years?"
    )
    steps.append(_sum_line("Sum of the ages now", ages_now))
    later = sum(ages_now) + len(people) * years
    steps.append(f"Sum in {years} years: {sum(ages_now)} + {len(people)} \\cdot {years} = {later}")
    return Story(question, later, steps)


def sharing(rng: random.Random, config: WordProblemConfig) -> Story:
    name = rng.choice(NAMES)
    containers = rng.sample(("boxes", "bags", "jars", "tins", "crates"), config.parts)
    contents = [
        (c, rng.randint(2, 9), rng.randint(4, max(5, config.magnitude))) for c in containers
    ]
    total = sum(n * size for _, n, size in contents)
    friends = rng.randint(2, 9)
    broken = total % friends + friends * rng.randint(0 if total % friends else 1, 2)
    if broken >= total:
        broken = total % friends or friends
    each = (total - broken) // friends
    listing = " and ".join(f"{n} {c} of {size} marbles" for c, n, size in contents)
    question = (
        f"{name} has {listing}. {name} gives {broken} marbles to a younger cousin and shares "
        f"the rest equally among {friends} friends. How many marbles does each friend get?"
    )
    steps = [f"Marbles in the {c}: {n} \\cdot {size} = {n * size}" for c, n, size in contents]
    steps.append(_sum_line("All marbles", [n * size for _, n, size in contents]))
    steps.append(f"Marbles to share: {total} - {broken} = {total - broken}")
    steps.append(f"Each friend: {total - broken} \\div {friends} = {each}")
    return Story(question, each, steps)


def savings(rng: random.Random, config: WordProblemConfig) -> Story:
    name = rng.choice(NAMES)
    weekly = rng.randint(5, max(6, config.magnitude))
    weeks = rng.randint(3, 12)
    saved = weekly * weeks
    things = rng.sample(PURCHASES, config.parts - 1)
    prices = []
    budget = saved
    for _ in things:
        price = rng.randint(1, max(1, budget // 2))
        prices.append(price)
        budget -= price
    bought = " and ".join(
        f"{thing} for ${price}" for thing, price in zip(things, prices, strict=True)
    )
    question = (
        f"{name} saves ${weekly} every week for {weeks} weeks, then buys {bought}. "
        f"How many dollars does {name} have left?"
    )
    spent = sum(prices)
    steps = [f"Saved: {weekly} \\cdot {weeks} = {saved}"]
    if len(prices) > 1:
        steps.append(_sum_line("Spent", prices))
    steps.append(f"Left: {saved} - {spent} = {saved - spent}")
    return Story(question, saved - spent, steps)


STORIES: dict[str, Callable[[random.Random, WordProblemConfig], Story]] = {
    "shopping": shopping,
    "travel": travel,
    "ages": ages,
    "sharing": sharing,
    "savings": savings,
}


class WordProblemGenerator(MathGenerator[WordProblemConfig]):
    """Multi-step word problems; difficulty adds quantities to combine and larger numbers."""

    name: ClassVar[str] = "word_problems"
    env_name: ClassVar[str] = "MathWordProblems"
    description: ClassVar[str] = "Multi-step arithmetic word problems with integer answers."
    config_cls: ClassVar[type[GeneratorConfig]] = WordProblemConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"parts": 2, "magnitude": 10},
        2: {"parts": 2, "magnitude": 30},
        3: {"parts": 3, "magnitude": 50},
        4: {"parts": 4, "magnitude": 100},
        5: {"parts": 5, "magnitude": 500},
    }

    def build(self, rng: random.Random, config: WordProblemConfig) -> GeneratedProblem:
        template = rng.choice(config.templates)
        story = STORIES[template](rng, config)
        answer = str(story.answer)
        question = f"{story.question} Give the answer as an integer."
        steps = (*story.steps, answer_line(answer))
        return GeneratedProblem(question, answer, steps, {"template": template})


register_generator(WordProblemGenerator())
