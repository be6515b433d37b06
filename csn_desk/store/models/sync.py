"""Sync bookkeeping: the change log, per-cell clocks and the hybrid logical clock.

Every write through the one write path adds a change-log row per changed field, stamped with
an HLC timestamp and the site id; sync exports change-log rows and merges per cell."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ChangeLog(SQLModel, table=True):
    __tablename__ = "change_log"
    seq: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)  # network / organisation / local
    table_name: str = Field(max_length=32)
    row_id: str = Field(max_length=36, index=True)
    field: str = Field(max_length=48)
    value_json: str
    hlc: str = Field(max_length=32)  # "<wall ms:013d>-<counter:06d>" sorts as text
    site_id: str = Field(max_length=36)
    op: str = Field(max_length=8)  # insert / update / delete


class CellClock(SQLModel, table=True):
    """The winning (HLC, site) of each synced cell; merge compares against it."""

    __tablename__ = "cell_clock"
    table_name: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=36)
    field: str = Field(primary_key=True, max_length=48)
    hlc: str = Field(max_length=32)
    site_id: str = Field(max_length=36)


class HlcState(SQLModel, table=True):
    """The last HLC issued at this site, persisted so clocks never run backwards."""

    __tablename__ = "hlc_state"
    site_id: str = Field(primary_key=True, max_length=36)
    wall_ms: int = 0
    counter: int = 0
