"""`read_ahead`: the source is asked for the next page while the caller works on this
one; the walk is the same; errors and early stops end both sides."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing

import pytest

from extractors.landing.run import read_ahead

WAIT = 10  # seconds: a page the source is asked for early is asked for at once


class Source:
    """Pages 1..count, recording which were asked for, from which thread."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.asked: list[int] = []
        self.threads: set[int] = set()
        self.closed = threading.Event()
        self.page_asked = [threading.Event() for _ in range(count + 2)]

    def pages(self) -> Iterator[list[dict[str, int]]]:
        try:
            for number in range(1, self.count + 1):
                self.asked.append(number)
                self.threads.add(threading.get_ident())
                self.page_asked[number].set()
                if number == self.fail_at:
                    raise ConnectionError(f"page {number}: connection reset")
                yield [{"page": number}]
        finally:
            self.closed.set()


def test_the_next_page_is_asked_for_while_the_caller_works_on_this_one() -> None:
    source = Source(3)
    got = []
    for page in read_ahead(source.pages()):
        got.append(page[0]["page"])
        if page[0]["page"] < 3:
            # Without reading ahead, this waits forever: nobody asks while the caller works.
            assert source.page_asked[page[0]["page"] + 1].wait(WAIT)
    assert got == [1, 2, 3]
    assert source.asked == [1, 2, 3]  # the same walk, each page once
    assert threading.get_ident() not in source.threads
    assert source.closed.is_set()


def test_an_error_of_the_source_is_raised_to_the_caller_after_the_pages_before_it() -> None:
    source = Source(5, fail_at=3)
    got = []
    with pytest.raises(ConnectionError, match="page 3: connection reset"):
        for page in read_ahead(source.pages()):
            got.append(page[0]["page"])
    assert got == [1, 2]
    assert source.asked == [1, 2, 3]


def test_a_caller_that_stops_leaves_the_source_closed_one_page_ahead_at_most() -> None:
    source = Source(10)
    with pytest.raises(OSError, match="disk full"), closing(read_ahead(source.pages())) as pages:
        for page in pages:  # as extract_entity walks them
            if page[0]["page"] == 2:
                assert source.page_asked[3].wait(WAIT)
                assert not source.page_asked[4].wait(0.5)  # one page ahead, not two
                raise OSError("disk full")  # landing the page failed
    assert source.closed.is_set()
    assert source.asked == [1, 2, 3]
