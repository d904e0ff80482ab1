"`cbd-nb run` runs unchanged under torchrun: two CPU processes on gloo, rank 0 writes the results."
import json, re, sys
from pathlib import Path
from torchrun_util import torchrun

def test_cbd_nb_run_under_torchrun(tmp_path):
    r = torchrun('--no-python', Path(sys.executable).parent/'cbd-nb', 'run', '--recipe', 'digits-lt', '--epochs', 1, '--n-teachers', 2, '--out', tmp_path, '--quiet', '--methods', 'CE,NCM,CBD,CBD-ENS',
                 timeout=600, OMP_NUM_THREADS='1')
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((tmp_path/'results.json').read_text())
    assert set(res['methods']) >= {'CE', 'CBD', 'CBD-ENS'} and (tmp_path/'report.html').exists()
    assert len(re.findall(r'^\s*CBD-ENS\s', r.stdout, re.M)) == 1          # only rank 0 prints the table
