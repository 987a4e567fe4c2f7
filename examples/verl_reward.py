"""verl: export Parquet in verl's row format and check the reward function on a few rows.

Runs without verl (needs pyarrow). The training command it prints is what you run with verl
installed; ``compute_score`` is loaded by verl from rlvr-gym's own module file.

    python examples/verl_reward.py --out-dir data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import rlvr_gym.integrations.verl as verl_adapter
from rlvr_gym.integrations.verl import compute_score, export_verl_parquet

ENV_ID = "rlvr/MathLinear-v0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", default="data")
    parser.add_argument("-n", type=int, default=64)
    args = parser.parse_args(argv)
    out = Path(args.out_dir)
    train = export_verl_parquet(ENV_ID, args.n, out / "train.parquet")
    test = export_verl_parquet(ENV_ID, 16, out / "test.parquet", split="test", start=args.n)

    import pyarrow.parquet as pq

    rows = pq.read_table(train).to_pylist()[:3]
    for row, response in zip(rows, ["The answer is \\boxed{" + str(rows[0]["reward_model"]
                                                                  ["ground_truth"]) + "}.",
                                     "The answer is \\boxed{12345}.", "no idea"], strict=True):
        # what verl's reward manager calls, per sample
        result = compute_score(row["data_source"], response, row["reward_model"]["ground_truth"],
                               row["extra_info"])
        print(f"{row['extra_info']['task_id']}: {result}")
    print(f"wrote {train} and {test}")
    try:
        import verl  # noqa: F401
    except ImportError:
        print("to train, install verl (https://verl.readthedocs.io) and run:")
    print(
        "python3 -m verl.trainer.main_ppo algorithm.adv_estimator=grpo \\\n"
        f"    data.train_files={train} data.val_files={test} \\\n"
        f"    custom_reward_function.path={verl_adapter.__file__} \\\n"
        "    custom_reward_function.name=compute_score \\\n"
        "    +custom_reward_function.reward_kwargs.reward_weights="
        "'{outcome: 1.0, process: 0.2}' \\\n"
        "    actor_rollout_ref.model.path=Qwen/Qwen2.5-0.5B-Instruct actor_rollout_ref.rollout.n=8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
