#!/usr/bin/env python3
"""A git merge driver for message catalogues: merges entries by msgid instead of by line.

Enable it once per clone:
    git config merge.po.driver "python3 scripts/po-merge.py %O %A %B"
(.gitattributes routes translations/*/LC_MESSAGES/*.po to it). Entries added on either side are
kept; an entry changed on one side only takes that change; an entry changed on both sides keeps
ours. Exit 0: the merged catalogue is written to %A.
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def _load(path: str):
    with open(path, "rb") as handle:
        return read_po(handle)


def _key(message) -> tuple:
    msgid = message.id if isinstance(message.id, str) else tuple(message.id)
    return (msgid, message.context)


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    base, ours, theirs = _load(base_path), _load(ours_path), _load(theirs_path)
    base_by_key = {_key(m): m for m in base if m.id}
    ours_by_key = {_key(m): m for m in ours if m.id}
    for message in theirs:
        if not message.id:
            continue
        key = _key(message)
        mine = ours_by_key.get(key)
        old = base_by_key.get(key)
        if mine is None:
            if old is None:  # added by them
                ours[message.id] = message
            continue  # deleted by us: stay deleted
        if old is not None and mine.string == old.string and message.string != old.string:
            mine.string = message.string  # changed by them only
            mine.flags = message.flags
    for key, old in base_by_key.items():
        if key not in {_key(m) for m in theirs if m.id} and key in ours_by_key:
            mine = ours_by_key[key]
            if mine.string == old.string:  # deleted by them, untouched by us
                ours.delete(mine.id, context=mine.context)
    with open(ours_path, "wb") as handle:
        write_po(handle, ours, width=76, omit_header=False)  # as `pybabel update` writes it
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
