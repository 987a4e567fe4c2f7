"""TRL ``GRPOTrainer`` on an rlvr-gym env: export the dataset, one reward function per component.

Runs without TRL: exports the dataset and calls the reward functions on a few rows (as TRL
would). With ``pip install 'rlvr-gym[trl]'`` and ``--train`` it also trains.

    python examples/trl_grpo.py --out-dir trl-run [--train]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rlvr_gym.integrations.trl import export_trl_dataset, trl_reward_functions

ENV_ID = "rlvr/MathLinear-v0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", default="trl-run")
    parser.add_argument("-n", type=int, default=64, help="tasks to export (default 64)")
    parser.add_argument("--train", action="store_true", help="train (needs TRL installed)")
    args = parser.parse_args(argv)
    out = Path(args.out_dir)
    data = export_trl_dataset(ENV_ID, args.n, out / "train.jsonl")  # prompt (chat), task, answer
    reward_funcs = trl_reward_functions()  # rlvr_outcome, rlvr_process, rlvr_format

    # what TRL does each batch: every other column arrives as a keyword, one value per completion
    rows = [json.loads(line) for line in data.read_text().splitlines()[:3]]
    task = [json.loads(r["task"]) for r in rows]
    completions = [
        [{"role": "assistant", "content": task[0]["reference"]["solution"]}],   # right
        [{"role": "assistant", "content": "The answer is \\boxed{12345}."}],    # wrong
        [{"role": "assistant", "content": "I am not sure."}],                   # no answer
    ]
    columns = {k: [r[k] for r in rows] for k in ("task", "answer", "id")}
    for func in reward_funcs:
        values = func(prompts=[r["prompt"] for r in rows], completions=completions, **columns)
        print(f"{func.__name__}: {values}")
    print(f"exported {args.n} rows to {data}")

    if not args.train:
        return 0
    try:
        from datasets import load_dataset
        from trl import GRPOConfig, GRPOTrainer
    except ImportError:
        print("training needs TRL: pip install 'rlvr-gym[trl]' (trl>=0.20, datasets)")
        return 1
    trainer = GRPOTrainer(
        model="Qwen/Qwen2.5-0.5B-Instruct",
        train_dataset=load_dataset("json", data_files=str(data), split="train"),
        reward_funcs=reward_funcs,
        args=GRPOConfig(
            output_dir=str(out / "checkpoints"),
            reward_weights=[1.0, 0.2, 0.1],   # outcome, process, format
            num_generations=8,                 # the GRPO group size
            per_device_train_batch_size=8,
            max_completion_length=256,
            logging_steps=10,
        ),
    )
    trainer.train()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
