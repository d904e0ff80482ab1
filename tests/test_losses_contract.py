"Every loss of the `LOSSES` registry trains through `Learner` as it is, and a distillation run checkpoints the student alone."
import pytest, torch
from cbd_nb.data import class_counts
from cbd_nb.datasets import Tensors
from cbd_nb.models import create_model, Distiller, Net
from cbd_nb.losses import LOSSES, create_loss
from cbd_nb.learner import Learner, Schedule, CheckpointCallback, Device
from cbd_nb.checkpoint import load_model

DISTILL = {'kd', 'bkd', 'cbd'}

def tiny_data(n=96, n_cls=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % n_cls
    y[: n // 2] = 0                                   # long-tailed: half the images are class 0
    return Tensors(torch.randint(0, 256, (n, 1, 8, 8), generator=g, dtype=torch.uint8), y)

def build(name, n_cls=4):
    torch.manual_seed(0)
    teacher = create_model('resnet8', n_cls, in_chans=1)
    proj = teacher.config['feat_dim'] if name == 'cbd' else None
    student = create_model('resnet8', n_cls, in_chans=1, proj_dim=proj, scale=30. if name == 'ldam' else 20.)
    return student, teacher, (Distiller(student, [teacher]) if name in DISTILL else student)

@pytest.mark.parametrize('name', list(LOSSES))
def test_loss_trains_through_learner(name):
    data = tiny_data()
    student, teacher, net = build(name)
    loss = create_loss(name, class_counts(data.y, 4))
    before_s = [p.detach().clone() for p in student.parameters()]
    before_t = [p.detach().clone() for p in teacher.parameters()]
    learn = Learner(net, data, sched=Schedule(epochs=1, bs=32, lr=0.1), loss_func=loss, device=Device('cpu', progress=False))
    learn.fit()
    assert all(torch.isfinite(torch.tensor(learn.recorder.losses)))
    assert any(not torch.equal(a, p) for a, p in zip(before_s, student.parameters())), f"{name}: the student did not train"
    assert all(torch.equal(a, p) for a, p in zip(before_t, teacher.parameters())), f"{name}: the teacher changed"
    if name in DISTILL: assert not teacher.training, "the teacher left eval mode"

def test_distiller_checkpoint_is_the_student(tmp_path):
    data = tiny_data()
    student, teacher, net = build('cbd')
    Learner(net, data, sched=Schedule(epochs=1, bs=32), loss_func=create_loss('cbd', class_counts(data.y, 4)), device=Device('cpu', progress=False), cbs=[CheckpointCallback(tmp_path/'s.pt')]).fit()
    m = load_model(tmp_path/'s.pt')
    assert type(m) is Net and m.config['proj_dim'] == teacher.config['feat_dim']
    for a, b in zip(m.state_dict().values(), student.state_dict().values()): assert torch.equal(a, b)

def test_distillation_loss_without_teachers_is_refused():
    data = tiny_data()
    student, _, _ = build('kd')
    with pytest.raises(ValueError, match='Distiller'):
        Learner(student, data, sched=Schedule(epochs=1, bs=32), loss_func=create_loss('kd', class_counts(data.y, 4)), device=Device('cpu', progress=False)).fit()
