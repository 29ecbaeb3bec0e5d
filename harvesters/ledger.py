"""What a gather compares against, without holding the whole source in memory.

A gather reads its source as a stream. For each batch of records it asks PostgreSQL what the last import of
those guids left (:meth:`GatherLedger.note`) and notes the guids in a temporary table; at the end one
anti-join finds the records gone from the source (:meth:`GatherLedger.gone`). Memory therefore depends on the
batch size, not on the number of records in the source.

The ledger works on a connection of its own inside one transaction: the temporary table is created
``ON COMMIT DROP``, so it disappears when the gather ends, whether it succeeds or fails, and whatever the
harvest's own session commits or rolls back in between.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra
from sqlalchemy import and_, bindparam, column, exists, func, or_, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlalchemy.types import UnicodeText

NEW, CHANGE, WITHDRAW = "new", "change", "withdraw"  # an object's "status": what the gather saw
# what an incremental gather asks for starts this long before the source's last gather started: the source's
# clock and ours may differ, and a record saved while that gather was reading may have been missed (the margin
# of ckanext-harvest's stock CKAN harvester, ckanharvester.py: last job's time minus one hour)
SINCE_MARGIN = timedelta(hours=1)
SEEN = "urbanaudit_gather_seen"
seen_table = table(SEEN, column("guid"))


@dataclass
class Previous:
    """What the last successful import of a guid left in the catalogue."""

    package_id: str
    content_hash: str | None
    withdrawn: bool


def imported(source_id: str) -> tuple:
    """The conditions on a harvest object that a job of the source imported into the catalogue."""
    return (HarvestObject.harvest_source_id == source_id, HarvestObject.state == "COMPLETE",
            HarvestObject.package_id.isnot(None))


class DuplicateGuid(Exception):
    """Two records of one source share a guid."""

    def __init__(self, guid: str) -> None:
        super().__init__(guid)
        self.guid = guid


class GatherLedger:
    def __init__(self, connection: Connection, source_id: str) -> None:
        self.connection = connection
        self.source_id = source_id
        self.seen = 0
        connection.execute(text(f"CREATE TEMPORARY TABLE {SEEN} (guid text PRIMARY KEY) ON COMMIT DROP"))

    def _last_imports(self) -> Select:
        """Per guid of this source, its newest complete import: guid, package id, content hash, status."""
        content_hash, status = aliased(HarvestObjectExtra), aliased(HarvestObjectExtra)
        return (
            select(HarvestObject.guid, HarvestObject.package_id, content_hash.value.label("content_hash"),
                   status.value.label("status"))
            .distinct(HarvestObject.guid)
            .outerjoin(content_hash, and_(content_hash.harvest_object_id == HarvestObject.id,
                                          content_hash.key == "content_hash"))
            .outerjoin(status, and_(status.harvest_object_id == HarvestObject.id, status.key == "status"))
            .where(*imported(self.source_id))
            .order_by(HarvestObject.guid, HarvestObject.import_finished.desc().nulls_last())
        )

    def note(self, guids: list[str]) -> dict[str, Previous]:
        """Record a batch of guids as read from the source; the last import of each (absent if new).
        Raises :class:`DuplicateGuid` if a guid was already read in this gather."""
        twice = [guid for guid, n in Counter(guids).items() if n > 1]
        if twice:
            raise DuplicateGuid(twice[0])
        added = {row[0] for row in self.connection.execute(
            text(f"INSERT INTO {SEEN} (guid) SELECT unnest(:guids) ON CONFLICT DO NOTHING RETURNING guid")
            .bindparams(bindparam("guids", type_=ARRAY(UnicodeText))), {"guids": guids})}
        if len(added) < len(guids):
            raise DuplicateGuid(next(guid for guid in guids if guid not in added))
        self.seen += len(guids)
        rows = self.connection.execute(self._last_imports().where(HarvestObject.guid.in_(guids)))
        return {guid: Previous(package_id, digest, status == WITHDRAW) for guid, package_id, digest, status in rows}

    def gone(self) -> Iterator[tuple[str, Previous]]:
        """The records of the last imports that this gather did not read and that are not withdrawn yet,
        streamed from the database in guid order."""
        query = self._last_imports().where(~exists().where(seen_table.c.guid == HarvestObject.guid))
        result = self.connection.execution_options(stream_results=True, max_row_buffer=1000).execute(query)
        try:
            for guid, package_id, digest, status in result:
                if status != WITHDRAW:
                    yield guid, Previous(package_id, digest, False)
        finally:
            result.close()

    def counts(self) -> tuple[int, int]:
        """How many records of the last imports are live (not withdrawn), and how many of those this gather did
        not read (the ones :meth:`gone` yields), counted in PostgreSQL."""
        last = self._last_imports().subquery()
        live = or_(last.c.status.is_(None), last.c.status != WITHDRAW)
        unread = ~exists().where(seen_table.c.guid == last.c.guid)
        row = self.connection.execute(select(func.count().filter(live), func.count().filter(and_(live, unread)))
                                      .select_from(last)).one()
        return int(row[0]), int(row[1])

    def any_live(self) -> bool:
        """Whether the catalogue holds a record of this source that is not withdrawn (asked before any guid
        was noted, when every live record counts as gone)."""
        records = self.gone()
        try:
            return next(records, None) is not None
        finally:
            records.close()


class HarvestRun(tk.BaseModel):
    """One finished gather of a source (migration 0008_harvest_run): a full comparison, or only the records
    changed since ``since``; ``started`` is when it began reading."""

    __tablename__ = "urbanaudit_harvest_run"

    job_id = sa.Column(sa.UnicodeText, primary_key=True)
    source_id = sa.Column(sa.UnicodeText, nullable=False)
    full = sa.Column(sa.Boolean, nullable=False)
    since = sa.Column(sa.DateTime)
    started = sa.Column(sa.DateTime, nullable=False)


def incremental_since(source_id: str, now: datetime, full_every: timedelta) -> datetime | None:
    """What this gather asks the source for: changes since the returned time, or everything (None) when the
    source had no full comparison yet or its last one is ``full_every`` old."""
    last_full, last = (model.Session.query(sa.func.max(HarvestRun.started).filter(HarvestRun.full.is_(True)),
                                           sa.func.max(HarvestRun.started))
                       .filter(HarvestRun.source_id == source_id).one())
    if last_full is None or now - last_full >= full_every:
        return None
    return last - SINCE_MARGIN
