"""The clearly fictional demo data set: what the app opens when no real data exists, and what
benchmarks and tests fill databases with.

Every demo database is marked as demo (the app says DEMO DATA everywhere). Names are random
combinations of common words, addresses are on 'Example Street', phone numbers are in Ofcom's
drama range and e-mail addresses are at example.org."""

from __future__ import annotations

from pathlib import Path

DEMO_USERNAME = "demo"
DEMO_PASSPHRASE = "fictional-demo-data-only"  # published on purpose: the data is fictional
DEMO_SITE = "Demo Counter (fictional)"
DEMO_ORGANISATION = "Demo Community Support Network (fictional)"


def ensure_demo(data_dir: Path, enquiries: int = 3000, seed: int = 1) -> None:
    """Create the demo data directory with the demo login, unless it already exists."""
    from csn_desk.demo.generate import create_demo
    from csn_desk.store.paths import DataPaths

    if DataPaths(Path(data_dir)).exists():
        return
    ws, _ = create_demo(Path(data_dir), enquiries=enquiries, seed=seed)
    ws.close()
