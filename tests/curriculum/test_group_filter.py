"""Group filtering for GRPO: groups whose samples all score the same teach nothing."""

from __future__ import annotations

from rlvr_gym.curriculum import GroupFilter, filter_groups, is_informative


def test_groups_with_equal_scores_are_dropped() -> None:
    assert filter_groups([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.5, 0.5]]) == [1]


def test_tolerance_treats_near_equal_scores_as_equal() -> None:
    assert not is_informative([0.50, 0.51], tolerance=0.05)
    assert is_informative([0.5, 0.7], tolerance=0.05)


def test_a_single_sample_group_is_not_informative() -> None:
    assert not is_informative([1.0])


def test_group_filter_counts_why_it_dropped() -> None:
    f = GroupFilter()
    keep = f([[1.0, 1.0], [0.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    assert keep == [3]
    assert (f.kept, f.dropped_solved, f.dropped_failed, f.dropped_other) == (1, 1, 1, 1)
    assert f.drop_rate == 0.75
    assert f.last_decision is not None and f.last_decision["kept"] == [3]


def test_group_filter_state_round_trips() -> None:
    f = GroupFilter()
    f([[1.0, 1.0], [0.0, 1.0]])
    g = GroupFilter()
    g.load_state_dict(f.state_dict())
    assert g.state_dict() == f.state_dict()
