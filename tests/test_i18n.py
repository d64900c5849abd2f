"""The Chinese catalog is complete and consistent with the source; both languages render."""

import re
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = __file__.rsplit("/tests/", 1)[0]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extract(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            f"{ROOT}/babel.cfg",
            "-k",
            "N_",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            f"{ROOT}/app.py",
            f"{ROOT}/models",
            f"{ROOT}/views",
            f"{ROOT}/templates",
        ],
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as fh:
        return read_po(fh)


def test_every_message_has_a_chinese_translation(tmp_path):
    source = _extract(tmp_path)
    with open(f"{ROOT}/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as fh:
        zh = read_po(fh, locale="zh_CN")
    missing, bad = [], []
    for message in source:
        if not message.id:
            continue
        translated = zh.get(message.id)
        string = translated.string if translated else None
        if isinstance(string, tuple):
            string = string[0]
        if not string or (translated and translated.fuzzy):
            missing.append(message.id)
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(string)):
            bad.append(msgid)
    assert missing == [], f"{len(missing)} untranslated: {missing[:20]}"
    assert bad == []
