"Run a script under torchrun on the CPU (gloo), as the DDP tests do."
import os, socket, subprocess, sys

def free_port()->int:
    "A free TCP port on localhost for the rendezvous"
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def torchrun(*args, nproc:int=2, timeout:int=600, **env)->subprocess.CompletedProcess:
    "`torchrun --nproc_per_node=nproc *args` on the CPU, outside any DDP environment of the caller"
    base = {k: v for k, v in os.environ.items() if k not in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')}
    cmd = [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={nproc}', f'--master_port={free_port()}', *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**base, 'CUDA_VISIBLE_DEVICES': '', **env})
