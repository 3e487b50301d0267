"""Write demo/extorsion-ciudad-juarez.xlsx: a year of monthly extortion figures of the demo
table, as the performance-indicators coordinator would receive them from the state attorney's
office, to import in the demo (issue 8, "Done when"). The figures are made up.

    .venv/bin/python scripts/make_demo_spreadsheet.py

The seed (mesa/management/commands/seed_demo.py) sets extortion's baseline from the year
before YEAR and does not enter these figures; tests/indicators/test_demo.py imports this file
through the import pages and checks that it matches the seed's EXTORTION_YEAR. To move the
demo to a later year, change YEAR here and EXTORTION_YEAR (and the baseline) there, and run it.
"""

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

YEAR = 2025
# Carpetas de investigación por extorsión per month, January to December: falling after the
# prosecutors' unit started work, the story the demo tells.
FIGURES = [61, 64, 59, 62, 57, 60, 55, 56, 52, 54, 50, 49]
SOURCE = "Fiscalía General del Estado de Chihuahua"
OUTPUT = Path(__file__).resolve().parent.parent / "demo" / "extorsion-ciudad-juarez.xlsx"

NOTES = [
    "Extorsión en Ciudad Juárez: carpetas de investigación iniciadas cada mes.",
    f"Periodo: enero a diciembre de {YEAR}. Fuente: {SOURCE}.",
    "Datos de demostración: las cifras son ficticias.",
    "Se importan en Mesa desde «Importar cifras» de la mesa de Ciudad Juárez: la primera hoja, "
    "con las columnas indicador, periodo, valor y fuente.",
]


def build() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "cifras"
    sheet.append(["indicador", "periodo", "valor", "fuente"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for month, value in enumerate(FIGURES, start=1):
        # The period as text (2025-01): a spreadsheet would show a date cell in its own way.
        sheet.append(["extortion", f"{YEAR}-{month:02d}", value, SOURCE])
    for letter, width in zip("ABCD", [14, 10, 8, 44], strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("notas")
    for line in NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    # A fixed date, so that running the script again writes the same document properties.
    workbook.properties.creator = "Mesa"
    workbook.properties.created = datetime(YEAR + 1, 1, 15, 9, 0)
    return workbook


def reproducible(data: bytes) -> bytes:
    """The same bytes on every run: the zip entries, and the document's "modified" property that
    openpyxl sets on saving, get a fixed date instead of now."""
    fixed = (YEAR + 1, 1, 15, 9, 0, 0)
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*fixed).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=fixed)
            info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            target.writestr(info, content)
    return out.getvalue()


def main() -> None:
    OUTPUT.parent.mkdir(exist_ok=True)
    data = io.BytesIO()
    build().save(data)
    OUTPUT.write_bytes(reproducible(data.getvalue()))
    print(f"Wrote {OUTPUT.relative_to(OUTPUT.parent.parent)}: {len(FIGURES)} months of {YEAR}.")


if __name__ == "__main__":
    main()
