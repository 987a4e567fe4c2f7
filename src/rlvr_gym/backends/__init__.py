"""Optional Lean backends beside the REPL pool, each imported only when asked for.

- `rlvr_gym.backends.leandojo.LeanDojoBackend`: tactic mode over LeanDojo's ``Dojo.run_tac``
  for theorems of a repository LeanDojo has traced (``pip install 'rlvr-gym[leandojo]'``).
"""
