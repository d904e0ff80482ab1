"Where the browser tests find Chromium, shared by test_browser and test_tutorial_outputs."
import os, shutil
from pathlib import Path

CHROMIUM = os.environ.get('CBD_CHROMIUM') or shutil.which('chromium') or '/usr/bin/chromium'

def have_chromium()->bool:
    "True if `CHROMIUM` is an executable file"
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)
