"""``csn-desk self-test``: headless end-to-end smoke in a temporary folder."""

from __future__ import annotations

import argparse

from csn_desk.selftest import Step, run_self_test


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("self-test", help="check this installation end to end (no real data used)")
    p.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    def show(step: Step) -> None:
        print(f"{'OK  ' if step.ok else 'FAIL'}  {step.name}"
              + (f" ({step.detail})" if step.detail else ""), flush=True)

    steps = run_self_test(show)
    if steps and all(s.ok for s in steps):
        print("Self-test passed.")
        return 0
    print("Self-test FAILED: this installation is not working properly. "
          "Reinstall csn-desk, and if it fails again ask your IT volunteer.")
    return 1
