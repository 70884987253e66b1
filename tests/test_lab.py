"""`make lab`, the README's command for learners, serves JupyterLab on the start page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from .conftest import running_lab


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("lab-home")) as (base, token):
        yield base, token


def test_make_lab_opens_on_the_start_page(lab):
    base, token = lab
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{base}/?token={token}", timeout=10)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"].startswith("/lab/tree/notebooks/00_start_here.ipynb")

    page = urllib.request.urlopen(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={token}", timeout=10)
    assert page.status == 200
    assert "JupyterLab" in page.read().decode()


def test_make_lab_serves_the_workbook_folders(lab):
    base, token = lab
    listing = json.load(urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=10))
    names = {item["name"] for item in listing["content"]}
    assert {"notebooks", "exercises", "solutions", "README.md"} <= names
    start = json.load(urllib.request.urlopen(f"{base}/api/contents/notebooks/00_start_here.ipynb?token={token}"))
    assert start["type"] == "notebook"
