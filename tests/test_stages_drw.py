"DRWCallback switches the loss's class weights at the right epoch of a real fit, also when the fit resumes past it."
import torch
from cbd_nb.data import class_counts, effective_num_weights
from cbd_nb.datasets import Tensors
from cbd_nb.models import create_model
from cbd_nb.losses import LDAMLoss
from cbd_nb.learner import Learner, Schedule, Callback, CheckpointCallback, Device
from cbd_nb.stages import DRWCallback, drw_epoch

class WeightLog(Callback):
    order = 0
    def before_fit(self): self.learn.weights_seen = []
    def after_batch(self):
        w = self.loss_func.weight
        if self.iter == 0: self.learn.weights_seen.append(None if w is None else w.clone())

def fit(epochs, cbs, resume=None):
    g = torch.Generator().manual_seed(0)
    y = torch.tensor([0] * 48 + [1] * 12 + [2] * 4)
    data = Tensors(torch.randint(0, 256, (len(y), 1, 8, 8), generator=g, dtype=torch.uint8), y)
    counts = class_counts(y, 3)
    torch.manual_seed(0)
    learn = Learner(create_model('resnet8', 3, in_chans=1, scale=30.), data, sched=Schedule(epochs=epochs, bs=16), loss_func=LDAMLoss(counts), device=Device('cpu', progress=False), cbs=[DRWCallback(drw_epoch(epochs), effective_num_weights(counts, 0.9999)), WeightLog(), *cbs])
    learn.fit(resume)
    return learn, effective_num_weights(counts, 0.9999).float()

def test_drw_switches_at_80_percent():
    learn, w = fit(5, [])
    assert drw_epoch(5) == 4 and drw_epoch(200) == 160
    assert learn.weights_seen[:4] == [None] * 4
    assert torch.allclose(learn.weights_seen[4], w)

def test_drw_weights_survive_resume(tmp_path):
    fit(5, [CheckpointCallback(tmp_path/'c.pt', every=1)])
    ck = torch.load(tmp_path/'c.pt', weights_only=True); ck['epoch'] = 4; torch.save(ck, tmp_path/'c.pt')  # as if killed after epoch 4
    learn, w = fit(5, [CheckpointCallback(tmp_path/'c.pt')], resume=True)
    assert len(learn.weights_seen) == 1 and torch.allclose(learn.weights_seen[0], w)
