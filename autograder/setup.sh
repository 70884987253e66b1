#!/usr/bin/env bash
# Gradescope builds the autograder's image with this: the workbook (in /autograder/source) and its
# Python environment. Upload a zip of the workbook with run_autograder and setup.sh at its top:
#   cp autograder/run_autograder autograder/setup.sh . && zip -r autograder.zip . -x '.venv/*' '.git/*'
set -euo pipefail
apt-get update && apt-get install -y python3 python3-venv make
cd /autograder/source
make .venv/.lab
