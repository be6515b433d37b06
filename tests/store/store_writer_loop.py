"""Run as a separate process by the crash and concurrency tests (not a test module).

Signs in to DATA_DIR (passphrase from CSN_DESK_PASSPHRASE) and saves enquiries one by one,
printing each id only after its transaction has committed, so every printed id is a promise
the database must keep even if this process is killed with SIGKILL a moment later.

    python store_writer_loop.py DATA_DIR COUNT TAG     (COUNT 0: until killed, at most 120 s)

It prints "ready" once signed in and starts writing when a line arrives on stdin.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from csn_desk.accounts import sign_in
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry


def main() -> int:
    data_dir, count, tag = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ws = sign_in(data_dir, "admin", os.environ["CSN_DESK_PASSPHRASE"])
    print("ready", flush=True)
    sys.stdin.readline()  # wait for "go", so that several writers really overlap
    deadline = time.monotonic() + 120  # never outlive a test that failed to kill us
    n = 0
    while (count == 0 or n < count) and time.monotonic() < deadline:
        n += 1
        eid = save_enquiry(ws, EnquiryDraft(channel="phone", enquirer_type="self",
                                            needs=(NeedInput("information"),),
                                            notes=f"{tag} loop note {n}"))
        print(eid, flush=True)
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
