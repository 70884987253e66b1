"""The links that need the workbook's public address: the Binder badge and the nbgitpuller link.

Until the repository is published, the README's Binder badge is a template pointing at OWNER/REPO. Once it has a
public GitHub address, this fills it in and prints the links for a class:

    python tools/public_links.py OWNER/REPO                       # print the Binder link
    python tools/public_links.py OWNER/REPO --hub https://HUB     # and the nbgitpuller link for that JupyterHub
    python tools/public_links.py OWNER/REPO --write               # also fill in the README's badge

Nothing is fetched: the links are only written and printed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
START_PAGE = "notebooks/00_start_here.ipynb"
TEMPLATE = "OWNER/REPO"
# The README's marker next to the badge, removed once the badge has a real address.
TEMPLATE_NOTE = " *(Template: this badge works once the workbook is public; see Running it on a JupyterHub.)*"
# GitHub's rules for names: an owner is letters, digits and single hyphens; a repository also takes . and _.
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_REPO = r"[A-Za-z0-9._-]{1,100}"


def parse_repository(text: str) -> tuple[str, str]:
    """OWNER/REPO as GitHub spells it; anything else is refused with what was expected."""
    match = re.fullmatch(rf"({_OWNER})/({_REPO})", text)
    if not match or match.group(2) in (".", ".."):
        raise ValueError(f"{text!r} is not a GitHub repository: give it as OWNER/REPO, e.g. my-school/sm-workbook")
    return match.group(1), match.group(2)


def binder_link(repository: str, branch: str = "HEAD") -> str:
    """mybinder.org's link that builds the repository (binder/) and opens the start page."""
    owner, repo = parse_repository(repository)
    return f"https://mybinder.org/v2/gh/{owner}/{repo}/{branch}?urlpath=lab/tree/{START_PAGE}"


def nbgitpuller_link(hub: str, repository: str, branch: str = "main") -> str:
    """A JupyterHub link that logs in, clones (or updates) the workbook into ~/REPO and opens its start page.

    nbgitpuller (in The Littlest JupyterHub's user environment) merges the workbook's new version into the copy
    without overwriting a learner's changes; my-work/ is not in the repository, so it never touches it.
    """
    owner, repo = parse_repository(repository)
    parts = urlsplit(hub)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{hub!r} is not a hub's address: give it as https://hub.example.edu (with its path, if any)")
    query = urlencode(
        {
            "repo": f"https://github.com/{owner}/{repo}",
            "branch": branch,
            "urlpath": f"lab/tree/{repo}/{START_PAGE}",
        }
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def fill_in_readme(text: str, repository: str) -> str:
    """The README with its badge pointing at the repository, and the template's marker gone."""
    owner, repo = parse_repository(repository)
    lines = text.splitlines(keepends=True)
    badges = [i for i, line in enumerate(lines) if line.startswith("[![Launch on Binder]")]
    if len(badges) != 1 or TEMPLATE not in lines[badges[0]]:
        raise ValueError("The README has no Binder badge template (OWNER/REPO) to fill in: it was filled in already?")
    line = lines[badges[0]].replace(f"/gh/{TEMPLATE}/", f"/gh/{owner}/{repo}/").replace(TEMPLATE_NOTE, "")
    lines[badges[0]] = line
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repository", help="the workbook's public GitHub repository, OWNER/REPO")
    parser.add_argument("--hub", help="a JupyterHub's address, for its nbgitpuller link (https://hub.example.edu)")
    parser.add_argument("--branch", default="main", help="the branch learners get (default: main)")
    parser.add_argument("--write", action="store_true", help="fill in the README's Binder badge")
    args = parser.parse_args(argv)
    try:
        print(f"Binder: {binder_link(args.repository)}")
        if args.hub:
            print(f"nbgitpuller: {nbgitpuller_link(args.hub, args.repository, args.branch)}")
        if args.write:
            readme = ROOT / "README.md"
            readme.write_text(fill_in_readme(readme.read_text(), args.repository))
            print(f"filled in the Binder badge in {readme}")
    except ValueError as error:
        print(f"public_links: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
