"""OpenRLHF: the reward-function file a user passes as ``--remote_rm_url``, and a dry run of it.

Run as a script, it exports a dataset and calls ``reward_func(queries, prompts, labels)`` on a
few rows as OpenRLHF does (no OpenRLHF needed). As a file for OpenRLHF::

    python3 -m openrlhf.cli.train_ppo_ray ... --prompt_data data/train.jsonl \\
        --input_key prompt --apply_chat_template --label_key task \\
        --remote_rm_url /abs/path/examples/openrlhf_reward.py
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rlvr_gym.integrations.openrlhf import make_reward_func
from rlvr_gym.integrations.trl import export_trl_dataset

# the name OpenRLHF looks up in this file
reward_func = make_reward_func(reward_weights={"outcome": 1.0, "process": 0.2})

ENV_ID = "rlvr/MathLinear-v0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", default="data")
    parser.add_argument("-n", type=int, default=64)
    args = parser.parse_args(argv)
    data = export_trl_dataset(ENV_ID, args.n, Path(args.out_dir) / "train.jsonl")
    rows = [json.loads(line) for line in data.read_text().splitlines()[:3]]
    prompts = [r["prompt"][-1]["content"] for r in rows]
    solution = json.loads(rows[0]["task"])["reference"]["solution"]
    responses = [solution, "The answer is \\boxed{12345}.", "no idea"]
    queries = [p + r for p, r in zip(prompts, responses, strict=True)]  # prompt + response
    result = reward_func(queries, prompts, [r["task"] for r in rows])
    print("rewards:", [float(x) for x in result["rewards"]])
    print("scores:", [float(x) for x in result["scores"]])
    print("extra_logs:", {k: [float(x) for x in v] for k, v in result["extra_logs"].items()})
    print(f"wrote {data}")
    try:
        import openrlhf  # noqa: F401
    except ImportError:
        print("to train, pip install openrlhf and pass this file as --remote_rm_url")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
