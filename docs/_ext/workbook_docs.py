"""What the workbook's website needs beyond Sphinx, MyST and myst-nb (loaded by docs/conf.py)."""

import base64
import re
from pathlib import Path


def jupyterlab_slug(text: str) -> str:
    """A heading's anchor as JupyterLab makes it: its text, spaces as "-" (`#The-four-steps`).

    The notebooks link to each other's sections this way (tests/test_reading.py checks them so); the site resolves
    the same links, so a link to a section that is gone fails the build.
    """
    return text.strip().replace("`", "").replace(" ", "-")


# A lesson links to the learner's own copy of its exercises (../my-work/NN_name.ipynb, made by `make lab`, never
# shipped). On the site that link opens the exercises as shipped (../exercises/NN_name.ipynb), which the site
# renders; a link to an exercise notebook that does not exist still fails the build.
MY_WORK_LINK = re.compile(r"\]\((<?)\.\./my-work/(\d\d_\w+\.ipynb)")


def my_work_to_exercises(app, docname: str, source: list[str]) -> None:
    if docname.startswith("notebooks/"):
        source[0] = MY_WORK_LINK.sub(r"](\1../exercises/\2", source[0])


# A lesson's picture (smworkbook/authoring/pictures.py) is an SVG file beside it, shown by an HTML <img> sized in em
# (`src="pictures/NAME.svg"`), which JupyterLab serves and the site would not copy: on the site the <img> holds
# the picture itself, as a data: address.
PICTURE = re.compile(r'src=\\"(pictures/[\w.-]+\.svg)\\"')


def pictures_inline(app, docname: str, source: list[str]) -> None:
    if docname.startswith("notebooks/"):
        folder = Path(app.srcdir) / Path(docname).parent

        def inline(found: re.Match) -> str:
            data = base64.b64encode((folder / found.group(1)).read_bytes()).decode("ascii")
            return f'src=\\"data:image/svg+xml;base64,{data}\\"'

        source[0] = PICTURE.sub(inline, source[0])


def setup(app):
    app.connect("source-read", my_work_to_exercises)
    app.connect("source-read", pictures_inline)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
