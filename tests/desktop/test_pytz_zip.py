"""packaging/pyi_rth_pytz_zip.py: in the binary, pytz finds its zones in one zip, and only there."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytz

HOOK = Path(__file__).resolve().parents[2] / "packaging" / "pyi_rth_pytz_zip.py"
PROBE = """
import json, runpy, sys
from datetime import datetime
sys._MEIPASS = sys.argv[1]
runpy.run_path(sys.argv[2])
import pytz
answers = {"zones": sorted(pytz.all_timezones),
           "new_york_winter": str(pytz.timezone("America/New_York")
                                  .utcoffset(datetime(2025, 1, 15))),
           "utc": pytz.timezone("UTC").zone}
try:
    pytz.timezone("Asia/Tokyo")
except pytz.UnknownTimeZoneError as error:
    answers["tokyo"] = repr(error)
print(json.dumps(answers))
"""


def test_pytz_reads_the_zones_in_the_zip_and_knows_no_others(tmp_path: Path) -> None:
    zoneinfo = Path(pytz.__file__).parent / "zoneinfo"
    with zipfile.ZipFile(tmp_path / "pytz-zoneinfo.zip", "w") as zones:
        for name in ("America/New_York", "Europe/Lisbon"):
            zones.write(zoneinfo / name, name)
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path), str(HOOK)],
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == {
        "zones": ["America/New_York", "Europe/Lisbon"], "new_york_winter": "-1 day, 19:00:00",
        "utc": "UTC", "tokyo": "UnknownTimeZoneError('Asia/Tokyo')"}
