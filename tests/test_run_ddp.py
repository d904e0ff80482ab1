"`cbd-nb run` runs unchanged under torchrun: two CPU processes on gloo, rank 0 writes the results."
import json, os, re, socket, subprocess, sys
from pathlib import Path

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def test_cbd_nb_run_under_torchrun(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')}
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2', f'--master_port={_free_port()}',
           '--no-python', str(Path(sys.executable).parent/'cbd-nb'), 'run', '--epochs', '1', '--teachers', '2', '--out', str(tmp_path), '--quiet']
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**env, 'CUDA_VISIBLE_DEVICES': '', 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((tmp_path/'results.json').read_text())
    assert set(res['methods']) >= {'CE', 'CBD', 'CBD-ENS'} and (tmp_path/'report.html').exists()
    assert len(re.findall(r'^\s*CBD-ENS\s', r.stdout, re.M)) == 1          # only rank 0 prints the table
