"""The built-in task ids, registered through the ``rlvr_gym.tasks`` entry point like any plugin."""

from __future__ import annotations

from rlvr_gym.core.registry import RegisterFn

MATH_ENV = "rlvr_gym.envs.math:make_math_env"


def register_all(register: RegisterFn) -> None:
    """Register one single-turn and one step-mode id per math generator, a mix and a file task."""
    from rlvr_gym.tasks.generators import GENERATORS

    for name, generator in sorted(GENERATORS.items()):
        register(f"rlvr/{generator.env_name}-v0", MATH_ENV, family=generator.family,
                 description=generator.description, generator=name)
        register(f"rlvr/{generator.env_name}Steps-v0", MATH_ENV, family=generator.family,
                 description=f"{generator.description} (one reasoning step per action)",
                 generator=name, mode="steps")
    register("rlvr/Math-v0", MATH_ENV, family="math",
             description="a mix of every math generator (the default of `rlvr eval`)")
    register("rlvr/MathFile-v0", MATH_ENV, family="math", dataset="sample",
             description="math problems from a local JSONL/Parquet file (dataset=PATH); "
             "defaults to a small bundled sample")
