"""The change feed: pokes coalesce to the newest head, whatever order they arrive in; on
PostgreSQL they go out as NOTIFY from the feed's own connection, in order; a write pokes once
it has committed, and a rolled-back one pokes nobody, on either engine."""

import asyncio
import time

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.kernel import changes
from api.kernel.db import Database
from api.kernel.realtime import CHANNEL, ChangeFeed, Subscription
from tests.databases import ENGINE
from tests.factories import register


def test_a_late_older_poke_never_hides_a_newer_head() -> None:
    async def offered(*heads: int) -> int:
        subscription = Subscription("c:1", asyncio.get_running_loop())
        for head in heads:
            subscription.offer(head)
        return await subscription.heads.get()

    assert asyncio.run(offered(6, 5)) == 6
    assert asyncio.run(offered(5, 6)) == 6
    assert asyncio.run(offered(3)) == 3


@pytest.mark.skipif(ENGINE != "postgresql", reason="NOTIFY is PostgreSQL's")
def test_pokes_reach_every_listener_after_the_commit(database_url: str) -> None:
    url = create_engine(database_url).url.set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)
    feed = ChangeFeed(dsn)
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        try:
            feed.poke("c:abc", 7)
            feed.poke("c:abc", 8)
            payloads: list[str] = []
            deadline = time.monotonic() + 5
            while len(payloads) < 2 and time.monotonic() < deadline:
                payloads += [n.payload for n in listener.notifies(timeout=0.5, stop_after=2)]
        finally:
            feed.close()
    assert payloads == ["c:abc:7", "c:abc:8"]


def test_sqlite_pokes_go_straight_to_this_processs_streams() -> None:
    async def poked() -> int:
        feed = ChangeFeed()
        subscription = feed.subscribe("u:1", asyncio.get_running_loop())
        feed.poke("u:1", 4)
        return await asyncio.wait_for(subscription.heads.get(), timeout=1)

    assert asyncio.run(poked()) == 4


def test_a_write_pokes_once_committed_and_a_rolled_back_one_never(
    app: FastAPI, client: TestClient
) -> None:
    database: Database = app.state.runtime.database
    space = changes.solo_space(register(client)["user"]["id"])

    def write(keep: bool) -> int:
        with database.session(write=True) as db:
            head = changes.next_seq(db, space)
            if keep:
                db.commit()
            else:
                db.rollback()
            return head

    async def pokes() -> tuple[bool, int, int]:
        subscription = await asyncio.to_thread(
            database.feed.subscribe, space, asyncio.get_running_loop()
        )
        await asyncio.to_thread(write, False)
        try:
            await asyncio.wait_for(subscription.heads.get(), timeout=0.5)
            rolled_back_poked = True
        except TimeoutError:
            rolled_back_poked = False
        committed = await asyncio.to_thread(write, True)
        return rolled_back_poked, committed, await asyncio.wait_for(subscription.heads.get(), 5)

    rolled_back_poked, committed, poked = asyncio.run(pokes())
    assert not rolled_back_poked
    assert poked == committed
