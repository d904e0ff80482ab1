"Render nbs/index.ipynb as README.md (what `nbdev-readme` does with Quarto, which these machines lack); --check compares instead."
import re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
END = '<!-- end of README'   # a markdown cell of the index holding this ends the README; the docs site shows the whole page

def render(nb_path=ROOT/'nbs'/'index.ipynb')->str:
    "Markdown of the notebook up to its `END` marker: markdown cells as they are, code cells fenced, text outputs fenced"
    parts = []
    for c in nbformat.read(nb_path, 4).cells:
        src = c.source.strip('\n')
        if c.cell_type == 'markdown' and END in src: parts.append(src.split(END)[0].strip('\n')); break   # the rest is for the docs site
        if c.cell_type == 'markdown': parts.append(src); continue
        lines = src.splitlines()
        if any(re.match(r'#\|\s*hide', l) for l in lines): continue
        code = '\n'.join(l for l in lines if not l.startswith('#|')).strip('\n')
        echo = not any(re.match(r'#\|\s*echo:\s*false', l) for l in lines)
        if code and echo: parts.append(f'```python\n{code}\n```')
        outs = []
        for o in c.get('outputs', []):
            if o.output_type == 'stream': outs.append(o.text)
            elif 'data' in o and 'text/plain' in o.data: outs.append(o.data['text/plain'])
        if outs: parts.append('    ' + '\n'.join(outs).rstrip('\n').replace('\n', '\n    '))
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    want, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if readme.read_text() != want: sys.exit("README.md is out of step with nbs/index.ipynb: run `python .ci/readme.py` and commit.")
        print('README.md matches nbs/index.ipynb')
    else: readme.write_text(want); print('wrote README.md')
