"""The layers hold without tricks: no module of the app imports another of its modules from
inside a function (the way round an import circle the contracts would otherwise catch)."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
LATE_IMPORT = re.compile(r"^[ \t]+(from|import)[ \t]+(models|views|app)\b", re.M)


def test_no_function_level_imports_of_the_apps_own_modules():
    found = []
    for folder in ("models", "views"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in LATE_IMPORT.finditer(path.read_text(encoding="utf-8")):
                line = path.read_text(encoding="utf-8").count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == [], "imports inside functions: " + ", ".join(found)
