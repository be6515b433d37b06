"""``csn-desk self-test``: headless end-to-end smoke in a temporary folder."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from csn_desk.selftest import Step, run_self_test


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("self-test", help="check this installation end to end (no real data used)")
    p.add_argument("--qt", action="store_true",
                   help="also check the Qt parts an installed build needs (plugins, print "
                        "preview, charts); runs offscreen")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    def show(step: Step) -> None:
        print(f"{'OK  ' if step.ok else 'FAIL'}  {step.name}"
              + (f" ({step.detail})" if step.detail else ""), flush=True)

    steps = run_self_test(show)
    if args.qt and steps and all(s.ok for s in steps):
        steps += _qt_steps(show)
    if steps and all(s.ok for s in steps):
        print("Self-test passed.")
        return 0
    print("Self-test FAILED: this installation is not working properly. "
          "Reinstall csn-desk, and if it fails again ask your IT volunteer.")
    return 1


def _qt_steps(show: Callable[[Step], None]) -> list[Step]:
    """The Qt checks (csn_desk.ui.qt_selfcheck), loaded only when asked for."""
    from csn_desk.ui.qt_selfcheck import run_qt_checks

    steps: list[Step] = []

    def step(name: str, ok: bool, detail: str = "") -> None:
        steps.append(Step(name, ok, detail))
        show(steps[-1])

    try:
        run_qt_checks(step)
    except Exception as exc:  # a missing plugin or library: report it, do not crash
        step("Qt checks", False, f"{exc.__class__.__name__}: {exc}")
    return steps
