"""Render sample receipts from their ESC/POS bytes: .venv/bin/python docs/receipts/make_receipts.py."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from badges.escpos_reader import render  # noqa: E402
from badges.printers import ReceiptData, receipt_bytes  # noqa: E402

OUT = Path(__file__).resolve().parent
WHEN = datetime(2026, 12, 6, 9, 5, tzinfo=UTC)
RECEIPTS = {
    "russian": ReceiptData(
        event_title="Совещание государств — участников Конвенции о запрещении противопехотных мин",
        name="Г-жа Александра Владимировна ПЕТРОВА-СМИРНОВА",
        delegation="Российская Федерация",
        badge_number="MSP2026-000042-1",
        printed_at=WHEN,
        printed_when="6 декабря 2026 г., 10:05",
        venue="Дворец Наций, Женева",
        venue_info="Ворота Прени, зал XIX",
        reference="K7M4-QX2P",
        meetings=("Пленарное заседание", "6 декабря 2026 г., 10:00–13:00, зал XIX"),
        help_lines=("Помощь: стойка регистрации у входа.",),
        badge_label="Пропуск",
        reference_label="Номер",
    ),
    "spanish": ReceiptData(
        event_title="Reunión de los Estados Partes en la Convención sobre la Prohibición de Minas "
        "Antipersonal",
        name="Excma. Sra. María Fernanda GARCÍA DE LA TORRE",
        delegation="Estados Unidos Mexicanos",
        badge_number="MSP2026-000043-1",
        printed_at=WHEN,
        printed_when="6 de diciembre de 2026, 10:05",
        venue="Palacio de las Naciones, Ginebra",
        venue_info="Puerta de Pregny, sala XIX",
        reference="H3JD-9W2A",
        meetings=("Sesión plenaria", "6 de diciembre de 2026, 10:00–13:00, sala XIX"),
        help_lines=("Ayuda: el mostrador de inscripción en la entrada.",),
        badge_label="Tarjeta",
        reference_label="Referencia",
    ),
}


def main() -> None:
    """Write receipt-<language>.png for an 80 mm printer with the TM-T88V profile (42 columns)."""
    for language, data in RECEIPTS.items():
        payload = receipt_bytes(data, "TM-T88V")
        render(payload, width=512, columns=42).save(OUT / f"receipt-{language}.png", optimize=True)


if __name__ == "__main__":
    main()
