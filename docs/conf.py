"""The workbook's website: the guides in docs/ and every notebook with its stored outputs (`make docs`).

The source folder is the repository itself (`sphinx-build -c docs . build/site`), so a guide's link to
`../notebooks/04_rotation.ipynb` is the same path on GitHub, in JupyterLab and on the site; only the files named
in `include_patterns` are read. Nothing is executed and nothing is fetched: no intersphinx, no remote images.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "AWS Secrets Manager with Python"
author = "the workbook's authors"
copyright = "the workbook's authors"

extensions = ["myst_nb", "workbook_docs"]
root_doc = "docs/index"
# The guides, the lessons, and the exercises as shipped (generated from solutions/). Not solutions/: the answers
# stay off a public site.
include_patterns = ["docs/*.md", "notebooks/*.ipynb", "exercises/*.ipynb"]
exclude_patterns = ["build", ".venv*", "my-work", "**/node_modules", "**/.ipynb_checkpoints", ".git"]

# Notebooks are shown as committed, with their stored outputs; never run here (the tests run them).
nb_execution_mode = "off"
# Section links resolve as in JupyterLab (workbook_docs.jupyterlab_slug); guides link to pages, not sections.
myst_heading_anchors = 4
myst_heading_slug_func = "workbook_docs.jupyterlab_slug"
myst_enable_extensions = ["colon_fence"]

# Every reference must resolve: `make docs` runs with -W --keep-going -n.
nitpicky = True

html_theme = "alabaster"
html_title = project
html_show_sourcelink = False
html_theme_options = {"fixed_sidebar": True, "show_relbars": True}
# The site's front page: build/site/index.html sends the browser on to docs/index.html.
html_extra_path = ["_extra"]
