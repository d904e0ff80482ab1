"CUDA paths: bf16 autocast, the device under torchrun (LOCAL_RANK), NCCL init, the compiled step and `cbd-nb bench` on a GPU. Skipped on CPU."
import os, socket, subprocess, sys, warnings
import pytest, torch
import cbd_nb.learner as L
from cbd_nb.core import set_seed
from cbd_nb.datasets import load_lt
from cbd_nb.models import create_model
from cbd_nb.learner import Learner, Schedule, Callback, rank_device, Device
from cbd_nb.augment import Augment

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU: torch.cuda.is_available() is False")]

@pytest.fixture(scope='module')
def digits(): return load_lt('digits', imb_factor=10)

def learner(digits, epochs=1, cbs=(), **dev):
    set_seed(0)
    return Learner(create_model('resnet8', n_classes=10, in_chans=1), digits.train, sched=Schedule(epochs=epochs, bs=64, lr=.8), augment=Augment(pad=1), device=Device('cuda', progress=False, **dev), cbs=cbs)

class Dtypes(Callback):
    "Record the dtype of the features, the logits and the loss"
    def after_loss(self): self.learn.dtypes = (self.out.feat.dtype, self.out.logits.dtype, self.loss.dtype)

def test_bf16_autocast(digits):
    learn = learner(digits, epochs=2, cbs=[Dtypes()])
    learn.fit()
    assert learn.dtypes == (torch.bfloat16, torch.float32, torch.float32)   # the body in bf16; logits and loss in fp32 (`Net.forward`)
    assert learn.recorder.epoch_losses[-1] < learn.recorder.epoch_losses[0]
    off = learner(digits, amp=False, cbs=[Dtypes()])
    off.fit()
    assert off.dtypes[0] == torch.float32

def test_rank_device_follows_local_rank(monkeypatch):
    monkeypatch.setattr(L, 'dist_info', lambda: (1, 2))
    monkeypatch.setenv('LOCAL_RANK', '0')
    assert rank_device('cuda') == torch.device('cuda', 0)
    assert rank_device('cuda:0') == torch.device('cuda', 0)   # an explicit index is kept
    assert rank_device('cpu') == torch.device('cpu')

SCRIPT = '''
import torch, torch.distributed as dist
from cbd_nb.learner import init_distributed, rank_device, Learner, Schedule, Device
from cbd_nb.datasets import load_lt
from cbd_nb.models import create_model
rank, world = init_distributed()
t = torch.ones(3, device=rank_device('cuda'))
dist.all_reduce(t)
learn = Learner(create_model('resnet8', n_classes=10, in_chans=1), load_lt('digits', imb_factor=10).train, sched=Schedule(epochs=1, bs=64), device=Device(progress=False))
learn.fit()
print(f"backend {dist.get_backend()} rank {rank}/{world} device {learn.device} current {torch.cuda.current_device()} sum {t.sum().item():g} steps {learn.step}", flush=True)
dist.destroy_process_group()
'''

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def test_nccl_init_under_torchrun(tmp_path):
    script = tmp_path/'nccl.py'
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')}
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=1', f'--master_port={_free_port()}', str(script)],
                       capture_output=True, text=True, timeout=180, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'backend nccl rank 0/1 device cuda current 0 sum 3 steps 9' in r.stdout, r.stdout

@pytest.mark.parametrize('mode', [True, 'model', 'graph+model'])
def test_compiled_step_trains_like_eager(digits, mode):
    "compile=True captures the whole step as one CUDA graph; 'model' compiles the model with CUDA graphs (reduce-overhead); 'graph+model' both"
    eager = learner(digits, epochs=3, compile=False)
    eager.fit()
    comp = learner(digits, epochs=3, compile=mode)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always'); comp.fit()
    assert not [o for o in w if 'eager mode' in str(o.message)], [str(o.message) for o in w]
    if mode is True: assert comp.runner.mode == 'graph' and comp.runner.fn is not None
    elif mode == 'model': assert comp.runner.compiled_model is not None and comp.runner.graphs
    else: assert comp.runner.mode == 'graph+model' and comp.runner.captures and comp.runner.fn is not None
    e, c = eager.recorder.epoch_losses, comp.recorder.epoch_losses
    assert c[-1] < c[0], c
    assert abs(c[-1] - e[-1]) < .25 * e[-1], (e, c)          # same recipe, same data: similar loss (bf16, different kernels)

def test_graph_step_jitter_and_refit(digits):
    "The jitter runs before the captured step; a second fit reuses the graph and still trains"
    learn = Learner(create_model('resnet8', n_classes=10, in_chans=1), digits.train, sched=Schedule(epochs=3, bs=64, lr=.8), augment=Augment(pad=1, jitter=True), device=Device('cuda', compile='graph', progress=False))
    learn.fit(); g, first = learn.runner.fn, learn.recorder.epoch_losses[0]
    assert learn.runner.mode == 'graph' and not learn.runner.aug_inside and g is not None
    learn.fit()                                               # continues from the trained weights
    assert learn.runner.fn is g and learn.recorder.epoch_losses[-1] < first, (first, learn.recorder.epoch_losses)

def test_bench_on_cuda(tmp_path):
    from cbd_nb.bench import bench
    res = bench('digits-lt', device='cuda', steps=3, rounds=1, out=str(tmp_path/'b.json'))
    names = [r['variant'] for r in res['rows']]
    assert {'pure, compiled', 'stage-1, compiled', 'pure, graphed', 'stage-1, graphed', 'CBD K=4, graphed', 'stage-1, graphed+compiled'} <= set(names), names
    assert all(r['images_per_s'] > 0 for r in res['rows'])
    assert res['versions']['gpu']
