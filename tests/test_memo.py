"""The bounded memo: kept work stays within its entries and characters over a batch of any size."""

from __future__ import annotations

from mmn_ddx.memo import Memo


def test_a_memo_is_emptied_when_it_holds_its_number_of_entries():
    memo = Memo(entries=3, chars=1_000)
    for i in range(10):
        assert memo.remember(f"k{i}", i) == i
        assert len(memo) <= 3
    assert memo["k9"] == 9


def test_a_memo_never_holds_more_characters_than_allowed():
    memo = Memo(entries=1_000, chars=100)
    for i in range(50):
        memo.remember(f"{i:02d}" + "x" * 8, "y" * 10)  # 20 characters an entry
        assert sum(len(k) + len(v) for k, v in memo.items()) <= 100
    assert memo.remember("z" * 500, "v") == "v" and "z" * 500 not in memo  # too long to keep, still answered
    memo.remember(("tag", "t" * 60), 1)
    assert memo.held <= 100
