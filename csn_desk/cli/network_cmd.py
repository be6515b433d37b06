"""``csn-desk network ...``: set up a network over a shared folder, ask to join, approve a
site by its fingerprint, remove a site. The same services as Admin > Network."""

from __future__ import annotations

import argparse
from pathlib import Path

from csn_desk.cli.common import add_common, open_workspace
from csn_desk.sync import (
    approve_join,
    create_network,
    list_join_requests,
    network_info,
    remove_site,
    request_join,
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("network", help="set up sync between sites through a shared folder")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = inner.add_parser("create", help="make this site the first of a new network")
    add_common(create)
    create.add_argument("--drop", type=Path, required=True,
                        help="the shared folder (network drive, cloud folder or USB stick)")
    create.add_argument("--name", required=True, help="the network's name")
    create.set_defaults(func=run_create)

    request = inner.add_parser("request", help="ask to join the network in a shared folder")
    add_common(request)
    request.add_argument("--drop", type=Path, required=True, help="the shared folder")
    request.set_defaults(func=run_request)

    approve = inner.add_parser("approve", help="let a site that asked to join in")
    add_common(approve)
    approve.add_argument("--fingerprint", required=True,
                         help="the fingerprint the other site read out to you")
    approve.add_argument("--organisation", required=True,
                         help="its member organisation (made if it is not in the directory)")
    approve.set_defaults(func=run_approve)

    remove = inner.add_parser("remove", help="take a site off the network (new keys)")
    add_common(remove)
    remove.add_argument("--site", required=True, help="the site's name")
    remove.set_defaults(func=run_remove)

    show = inner.add_parser("show", help="the network, its sites and their fingerprints")
    add_common(show)
    show.set_defaults(func=run_show)

    requests = inner.add_parser("requests", help="sites waiting to be approved")
    add_common(requests)
    requests.set_defaults(func=run_requests)


def run_create(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        info = create_network(ws, args.drop, args.name)
    print(f"Network '{info.name}' created in {info.drop_dir}.")
    print(f"This site's fingerprint: {info.fingerprint}")
    return 0


def run_request(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        result = request_join(ws, args.drop)
    print(f"Asked to join '{result.network_name}'. Read this fingerprint to the administrator "
          f"who approves it:")
    print(result.fingerprint)
    return 0


def run_approve(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        result = approve_join(ws, args.fingerprint, args.organisation)
    made = " (a new member organisation)" if result.new_organisation else ""
    print(f"Approved '{result.site_name}' into {result.organisation_name}{made}. It will "
          f"receive its keys at its next sync.")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        result = remove_site(ws, args.site)
    print(f"Removed '{result.site_name}'. New keys (epoch {result.epoch}) have been sent to "
          f"the other sites.")
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        info = network_info(ws)
    if info is None:
        print("This site is not part of a network.")
        return 0
    print(f"Network: {info.name} ({info.state}), shared folder {info.drop_dir}")
    print(f"Roster version {info.roster_version}, key epoch {info.epoch}")
    for site in info.sites:
        me = " (this site)" if site.is_self else ""
        admin = ", administrator" if site.admin else ""
        print(f"{site.fingerprint}\t{site.status}\t{site.name}{me}\t"
              f"{site.organisation_name}{admin}")
    return 0


def run_requests(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        pending = list_join_requests(ws)
    for req in pending:
        print(f"{req.fingerprint}\t{req.site_name}\t{req.organisation_name}")
    if not pending:
        print("No site is waiting to be approved.")
    return 0
