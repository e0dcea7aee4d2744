"""titles: a typed title that matches a listed title becomes its code; the rest stays as typed

Revision ID: 0017_titles
Revises: 0016_door_conflicts
Create Date: 2026-12-06 22:00:00

The participant's `title` holds the code of a listed title (kiosk/data/titles.json), shown in each
language's form, or free text shown as typed. Titles typed before ("H.E. Mr.", "Ms", "Dr.", and
their forms in the other five languages) become codes; anything else is kept as it was. The table
below is the one of this revision, frozen, so that later changes to the data file do not change
what this migration did. Downgrade writes the English form back.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_titles"
down_revision = "0016_door_conflicts"
branch_labels = None
depends_on = None

#: A typed title, folded (case folded, without dots, spaces, apostrophes or hyphens) -> its code.
CODES = {
    "mr": "mr",
    "ms": "ms",
    "mrs": "mrs",
    "he": "he",
    "he_mr": "he_mr",
    "he_ms": "he_ms",
    "dr": "dr",
    "prof": "prof",
    "amb": "amb",
    "hon": "hon",
    "sheikh": "sheikh",
    "m": "mr",
    "sr": "mr",
    "السيد": "mr",
    "先生": "mr",
    "гн": "mr",
    "mme": "ms",
    "sra": "ms",
    "السيدة": "ms",
    "女士": "ms",
    "гжа": "ms",
    "夫人": "mrs",
    "se": "he",
    "excma": "he",
    "excmo": "he",
    "سعادة": "he",
    "阁下": "he",
    "еп": "he",
    "hemr": "he_mr",
    "sem": "he_mr",
    "excmosr": "he_mr",
    "سعادةالسيد": "he_mr",
    "先生阁下": "he_mr",
    "епгн": "he_mr",
    "hems": "he_ms",
    "semme": "he_ms",
    "excmasra": "he_ms",
    "سعادةالسيدة": "he_ms",
    "女士阁下": "he_ms",
    "епгжа": "he_ms",
    "dra": "dr",
    "الدكتورة": "dr",
    "الدكتور": "dr",
    "博士": "dr",
    "др": "dr",
    "pr": "prof",
    "الأستاذة": "prof",
    "الأستاذ": "prof",
    "教授": "prof",
    "проф": "prof",
    "ambassadrice": "amb",
    "ambassadeur": "amb",
    "embajadora": "amb",
    "embajador": "amb",
    "السفيرة": "amb",
    "السفير": "amb",
    "大使": "amb",
    "посол": "amb",
    "lhon": "hon",
    "honorable": "hon",
    "معالي": "hon",
    "достопочтенная": "hon",
    "достопочтенный": "hon",
    "sheikha": "sheikh",
    "cheikha": "sheikh",
    "cheikh": "sheikh",
    "jequesa": "sheikh",
    "jeque": "sheikh",
    "الشيخة": "sheikh",
    "الشيخ": "sheikh",
    "谢赫": "sheikh",
    "шейха": "sheikh",
    "шейх": "sheikh",
    "miss": "ms",
    "hisexcellency": "he",
    "herexcellency": "he",
    "excellency": "he",
    "hisexcellencymr": "he_mr",
    "herexcellencyms": "he_ms",
    "hemrs": "he_ms",
    "semrs": "he_ms",
    "doctor": "dr",
    "professor": "prof",
    "profdr": "prof",
    "ambassador": "amb",
    "honourable": "hon",
    "thehonourable": "hon",
    "thehon": "hon",
    "shaikh": "sheikh",
    "shaikha": "sheikh",
}
#: Each code's English form, for the downgrade.
ENGLISH = {
    "mr": "Mr.",
    "ms": "Ms.",
    "mrs": "Mrs.",
    "he": "H.E.",
    "he_mr": "H.E. Mr.",
    "he_ms": "H.E. Ms.",
    "dr": "Dr.",
    "prof": "Prof.",
    "amb": "Amb.",
    "hon": "Hon.",
    "sheikh": "Sheikh",
}

participants = sa.table("participants", sa.column("id", sa.Integer), sa.column("title", sa.String(40)))


def folded(text: str) -> str:
    """A title as compared: case folded, without dots, spaces, apostrophes or hyphens."""
    return re.sub(r"[\s.’'\-]", "", text.casefold())


def _rewrite(change) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(participants.c.id, participants.c.title).where(participants.c.title != "")
    ).all()
    for pid, title in rows:
        new = change(title)
        if new != title:
            bind.execute(participants.update().where(participants.c.id == pid).values(title=new))


def upgrade():
    _rewrite(lambda title: CODES.get(folded(title), title))


def downgrade():
    _rewrite(lambda title: ENGLISH.get(title, title))
