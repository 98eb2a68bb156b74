"""Copy the front-end assets the app serves from node_modules into web/static/vendor.

Run by `make assets` after `npm ci`. The copies are committed, so running the tracker needs no
Node.js and no network; package-lock.json pins exactly what was copied.

govuk-frontend is used with its generic look: its GDS Transport @font-face rules are removed (a
council service must not use the GOV.UK typeface), so text falls back to Arial, as the pattern
library intends outside GOV.UK.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "web" / "static" / "vendor"

COPIES = {
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
    "swagger-ui-dist/LICENSE": "swagger-ui/LICENSE",
    "govuk-frontend/dist/govuk/govuk-frontend.min.js": "govuk-frontend/govuk-frontend.min.js",
    "govuk-frontend/package.json": "govuk-frontend/package.json",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "htmx.org/LICENSE": "htmx/LICENSE",
}
TEST_VENDOR = ROOT / "tests" / "browser" / "vendor"
TEST_COPIES = {
    "axe-core/axe.min.js": "axe-core/axe.min.js",
    "axe-core/LICENSE": "axe-core/LICENSE",
}
ASSET_DIRS = {
    "govuk-frontend/dist/govuk/assets/images": "govuk-frontend/assets/images",
}


def without_gds_transport(css: str) -> str:
    css = re.sub(r"@font-face\{[^}]*GDS Transport[^}]*\}", "", css)
    return css.replace('"GDS Transport",', "").replace("GDS Transport,", "")


def main() -> None:
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for source, target in COPIES.items():
        destination = VENDOR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MODULES / source, destination)
    for source, target in TEST_COPIES.items():
        destination = TEST_VENDOR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MODULES / source, destination)
    for source, target in ASSET_DIRS.items():
        if (MODULES / source).exists():
            shutil.copytree(MODULES / source, VENDOR / target)
    css = (MODULES / "govuk-frontend/dist/govuk/govuk-frontend.min.css").read_text()
    out = VENDOR / "govuk-frontend/govuk-frontend.min.css"
    images = "/static/vendor/govuk-frontend/assets/"
    out.write_text(without_gds_transport(css).replace("/assets/", images))
    print(f"Vendored assets into {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
