"""`python -m smworkbook_kernel`: have every kernel of this environment load the workbook's IPython extension."""

from smworkbook_kernel import install

print(f"Every kernel of this environment loads smworkbook_kernel ({install()}).")
