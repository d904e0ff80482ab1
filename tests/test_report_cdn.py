"Exported notebook pages embed plotly.js instead of loading it from a CDN"
import re, subprocess, sys
import nbformat

def test_nbconvert_html_embeds_plotly(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('import torch\nfrom cbd_nb.viz import count_histogram'),
                nbformat.v4.new_code_cell('count_histogram(torch.tensor([50, 20, 5]))')]
    nbformat.write(nb, tmp_path/'t.ipynb')
    subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'html', '--execute', str(tmp_path/'t.ipynb')], check=True, capture_output=True, timeout=600)
    page = (tmp_path/'t.html').read_text()
    assert not re.search(r'''<script[^>]+src=["']https?://cdn\.plot\.ly''', page)     # no plotly.js from the CDN
    assert not re.search(r'''['"]https?://cdn\.plot\.ly/plotly[^'"]*['"]''', page)    # nor a require.js path to it
    assert 'plotly-graph-div' in page and re.search(r'plotly\.js v\d', page)           # the figure, and plotly.js itself

def test_committed_api_notebooks_load_no_plotly_from_cdn():
    "The stored outputs the docs are built from (API notebooks) carry no script or require.js path to the plotly CDN"
    from pathlib import Path
    nbs = sorted((Path(__file__).parents[1]/'nbs').glob('*.ipynb'))
    bad = [p.name for p in nbs if re.search(r'''(src=\\?["']|['"])https?://cdn\.plot\.ly/plotly''', p.read_text())]
    assert nbs and not bad, bad
