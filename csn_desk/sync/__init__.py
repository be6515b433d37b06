"""File-drop sync between sites (issue 5; design in ../shared/design/sync.md).

Plain Python, no Qt. The functions the app and the command line call:

- network set-up (:mod:`csn_desk.sync.network`): ``create_network``, ``request_join``,
  ``list_join_requests``, ``approve_join``, ``remove_site``, ``network_info``;
- sync (:mod:`csn_desk.sync.service`): ``sync_once``, ``sync_status``, ``drop_reachable``,
  ``list_conflicts``, ``restore_conflict``, ``diagnostics``, ``resume_site``.

Inside: ``drop`` (folder layout, strict names, atomic publish), ``segment`` (the file
format), ``documents`` (network.json, roster, join requests, wrapped keys), ``crypto``,
``export``, ``importer``, ``acks``; ``checkpoint`` (the full-state file format),
``catchup`` (what a checkpoint holds; a new or long-away site starting from one) and
``compaction`` (writing checkpoints, deleting a site's own segments no one needs); the
merge itself is ``csn_desk.store.remote``."""

from csn_desk.sync.network import (
    ApproveResult,
    JoinRequestInfo,
    JoinResult,
    NetworkInfo,
    RemoveResult,
    SiteInfo,
    approve_join,
    create_network,
    list_join_requests,
    network_info,
    remove_site,
    request_join,
)
from csn_desk.sync.service import (
    BadFileInfo,
    ConflictEntry,
    Diagnostics,
    SiteHeard,
    SyncReport,
    SyncStatus,
    diagnostics,
    drop_reachable,
    list_conflicts,
    restore_conflict,
    resume_site,
    sync_once,
    sync_status,
)

__all__ = [
    "ApproveResult", "BadFileInfo", "ConflictEntry", "Diagnostics", "JoinRequestInfo",
    "JoinResult", "NetworkInfo", "RemoveResult", "SiteHeard", "SiteInfo", "SyncReport",
    "SyncStatus", "approve_join", "create_network", "diagnostics", "drop_reachable",
    "list_conflicts",
    "list_join_requests", "network_info", "remove_site", "request_join", "restore_conflict",
    "resume_site", "sync_once", "sync_status",
]
