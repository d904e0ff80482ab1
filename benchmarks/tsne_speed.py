"""Time t-SNE alternatives on 10,000 64-d features and check that the faster ones keep the class structure.

    python benchmarks/tsne_speed.py                 # synthetic clustered features only
    python benchmarks/tsne_speed.py --real          # also Fashion-MNIST test features of an untrained resnet8
    python benchmarks/tsne_speed.py --real --checkpoint runs/x/checkpoints/cbd.pt   # features of a trained network

Quality is reported two ways: the 10-NN accuracy of the class labels in the 2-d embedding (class separation;
compare with the same score in the input space) and sklearn's trustworthiness (k=10) on a 3,000-point subsample.
Each alternative runs once, with the threads it is given; on a shared machine, rerun to see the spread."""
import argparse, importlib.util, os, time
from functools import partial
import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.manifold import TSNE, trustworthiness
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from cbd_nb.explain import tsne

def synthetic(n=10_000, d=64, n_classes=20, seed=0):
    "Gaussian clusters of long-tailed sizes (largest/smallest = 50) in `d` dimensions"
    rng = np.random.default_rng(seed)
    sizes = (50 ** -(np.arange(n_classes) / (n_classes - 1)))
    sizes = np.maximum(1, np.round(sizes / sizes.sum() * n)).astype(int)
    y = np.repeat(np.arange(n_classes), sizes)[:n]
    centres = rng.normal(0, 1, (n_classes, d)) * 2.
    x = centres[y] + rng.normal(0, 1, (len(y), d))
    return x.astype(np.float32), y

def real(checkpoint=None):
    "Fashion-MNIST test features (10,000 x 64) of an untrained resnet8, or of the network in `checkpoint`"
    import torch
    from cbd_nb.datasets import load_lt
    from cbd_nb.models import create_model
    from cbd_nb.evaluate import get_preds
    from cbd_nb.checkpoint import load_model
    torch.manual_seed(0)
    d = load_lt('fashion-mnist', imb_factor=10)
    m = load_model(checkpoint) if checkpoint else create_model('resnet8', len(d.classes), in_chans=1)
    _, f, y = get_preds(m, d.test, device='cpu')
    return f.numpy(), y.numpy()

def sk_default(x):
    "scikit-learn's defaults: exact input, Barnes-Hut with angle 0.5, 1000 iterations"
    return TSNE(2, init='pca', learning_rate='auto', random_state=0).fit_transform(x)

ALTERNATIVES = {   # name -> (function, threads)
    'sklearn defaults (1000 iter, angle 0.5), 2 threads': (sk_default, 2),
    'sklearn defaults (1000 iter, angle 0.5), 1 thread': (sk_default, 1),
    'viz.tsne sklearn (PCA 50, 500 iter, angle 0.8), 2 threads': (partial(tsne, backend='sklearn', n_jobs=2), 2),
    'viz.tsne sklearn (PCA 50, 500 iter, angle 0.8), 1 thread': (partial(tsne, backend='sklearn', n_jobs=1), 1),
    'viz.tsne openTSNE (PCA 50, FFT, 250+250 iter), 2 threads': (partial(tsne, backend='opentsne', n_jobs=2), 2),
    'viz.tsne openTSNE (PCA 50, FFT, 250+250 iter), 1 thread': (partial(tsne, backend='opentsne', n_jobs=1), 1),
}

def knn_acc(x, y, k=10): return cross_val_score(KNeighborsClassifier(k), x, y, cv=3).mean()

def trust(x, e, n=3000, k=10):
    i = np.random.default_rng(0).choice(len(x), min(n, len(x)), replace=False)
    return trustworthiness(x[i], e[i], n_neighbors=k)

def bench(name, x, y, only=None):
    print(f"\n{name}: {x.shape[0]} x {x.shape[1]}, {len(np.unique(y))} classes; 10-NN accuracy in the input space {knn_acc(x, y):.3f}")
    print(f"{'alternative':60s} {'seconds':>8s} {'10-NN acc':>10s} {'trust':>7s} {'load':>5s}")
    for k, (f, threads) in ALTERNATIVES.items():
        if only and only not in k: continue
        if 'openTSNE' in k and not importlib.util.find_spec('openTSNE'): print(f"{k:60s} skipped: pip install openTSNE"); continue
        with threadpool_limits(threads):   # OpenMP and BLAS threads
            t0 = time.perf_counter(); e = f(x); t = time.perf_counter() - t0
        print(f"{k:60s} {t:8.1f} {knn_acc(e, y):10.3f} {trust(x, e):7.3f} {os.getloadavg()[0]:5.1f}", flush=True)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--real', action='store_true', help='also time Fashion-MNIST test features')
    p.add_argument('--checkpoint', help='network whose features to use with --real (default: an untrained resnet8)')
    p.add_argument('--only', help='run only the alternatives whose name contains this')
    a = p.parse_args()
    print(f"CPUs {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    bench('synthetic clusters', *synthetic(), a.only)
    if a.real: bench('Fashion-MNIST test features' + (f' of {a.checkpoint}' if a.checkpoint else ' (untrained resnet8)'), *real(a.checkpoint), a.only)
