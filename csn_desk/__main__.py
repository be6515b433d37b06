"""``python -m csn_desk`` runs the same entry point as the ``csn-desk`` command."""

from csn_desk.cli.main import main

raise SystemExit(main())
