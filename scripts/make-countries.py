"""Regenerate kiosk/data/countries.json: UN names of countries in the six languages, with sort orders.

Source: OCHA's "Countries & Territories Taxonomy" table shipped inside the hdx-python-country
wheel (MIT licence), whose short names are the UNTERM ones. Only rows on the UNTERM list are
kept. The order of each language comes from ICU collation (Node's Intl.Collator), so the app
sorts without ICU at run time.

    pip download --no-deps hdx-python-country==4.2.5 -d /tmp/hdx && unzip -o /tmp/hdx/*.whl -d /tmp/hdx
    python scripts/make-countries.py /tmp/hdx/hdx/location/Countries*Taxonomy.csv
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "kiosk" / "data" / "countries.json"
COLUMNS = {
    "en": "English Short",
    "fr": "French Short",
    "es": "Spanish Short",
    "ru": "Russian Short",
    "zh": "Chinese Short",
    "ar": "Arabic Short",
}
SOURCE = "hdx-python-country 4.2.5, Countries & Territories Taxonomy (OCHA), UNTERM short names; MIT licence"


def main(csv_path: str) -> None:
    with open(csv_path, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["Appears in UNTERM list"] == "Y"]
    names = {}
    for row in rows:
        code = row["ISO 3166-1 Alpha 2-Codes"].strip()
        entry = {lang: " ".join(row[col].replace("’", "'").split()) for lang, col in COLUMNS.items()}
        if code and all(entry.values()):
            names[code] = entry
    script = (
        "const d=JSON.parse(require('fs').readFileSync(0,'utf8'));const o={};"
        "for(const l of Object.keys(d.langs)){const c=new Intl.Collator(l);"
        "o[l]=Object.keys(d.names).sort((a,b)=>c.compare(d.names[a][l],d.names[b][l]));}"
        "process.stdout.write(JSON.stringify(o));"
    )
    order = json.loads(
        subprocess.run(
            ["node", "-e", script],
            input=json.dumps({"names": names, "langs": COLUMNS}),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    OUT.write_text(
        json.dumps({"source": SOURCE, "names": names, "order": order}, ensure_ascii=False, indent=0) + "\n",
        encoding="utf-8",
    )
    print(f"{len(names)} countries written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
