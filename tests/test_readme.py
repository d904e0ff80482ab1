"README.md is the rendering of nbs/index.ipynb, and it gives exactly the two commands a new user needs."
import importlib.util, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location('readme', ROOT/'.ci'/'readme.py'); readme = importlib.util.module_from_spec(spec); spec.loader.exec_module(readme)

def test_readme_matches_index():
    assert (ROOT/'README.md').read_text() == readme.render(), "README.md is out of step with nbs/index.ipynb: run `python .ci/readme.py`"

def test_readme_commands_exist():
    text = (ROOT/'README.md').read_text()
    cmds = re.findall(r'^bash setup\.sh (\w+)', text, re.M)
    assert cmds == ['run', 'test']
    setup = (ROOT/'setup.sh').read_text()
    assert all(f'{c})' in setup for c in cmds)
