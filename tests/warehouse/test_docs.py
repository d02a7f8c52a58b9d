"""`make docs` (perfchain.docs): the dbt docs site is one file that holds the whole data
dictionary and loads nothing from the internet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from perfchain.docs import SITE, build_docs, offline_problems
from tests.warehouse.conftest import Warehouse


@pytest.fixture(scope="module")
def site(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A copy: dbt opens its warehouse for writing, and other tests read the shared one.
    work = tmp_path_factory.mktemp("docs")
    copy = Path(shutil.copyfile(warehouse.path, work / "warehouse.duckdb"))
    return build_docs(copy, work / "target")


def test_docs_site_is_one_offline_file_with_every_definition(site: Path) -> None:
    assert site.name == SITE
    assert offline_problems(site, site.parent / "manifest.json") == []
    page = site.read_text(encoding="utf-8")
    # The manifest and the catalog are inside the page: no file to fetch beside it.
    assert '"send_anonymous_usage_stats": false' in page
    assert "Good units in the known hours." in page
    catalog = json.loads((site.parent / "catalog.json").read_text(encoding="utf-8"))
    oee = catalog["nodes"]["model.perfchain.fct_oee_shift"]["columns"]
    assert oee["good_qty"]["type"] == "HUGEINT"


def test_offline_check_finds_what_would_load_from_the_internet(site: Path, tmp_path: Path) -> None:
    page = site.read_text(encoding="utf-8")
    planted = tmp_path / SITE
    planted.write_text(
        page.replace(
            "</head>",
            '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Lato">'
            '<script src="//cdn.example.com/x.js"></script>'
            "<style>@import url(https://cdn.example.com/y.css);</style></head>",
            1,
        ),
        encoding="utf-8",
    )
    manifest = json.loads((site.parent / "manifest.json").read_text(encoding="utf-8"))
    manifest["metadata"]["send_anonymous_usage_stats"] = True
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    problems = offline_problems(planted, tmp_path / "manifest.json")
    assert len(problems) == 4, problems
    assert any("fonts.googleapis.com" in problem for problem in problems)
    assert any("cdn.example.com/x.js" in problem for problem in problems)
    assert any("@import" in problem for problem in problems)
    assert any("send_anonymous_usage_stats" in problem for problem in problems)
