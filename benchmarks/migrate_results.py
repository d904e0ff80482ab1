"""Rename the methods of results files made before LWS and NCM followed Kang et al. (issue 22).

Until then the rows called `LWS` and `NCM` were the kit's own variants: LWS learned its scales on features of the
un-augmented images computed once, NCM compared normalised features with normalised class means by cosine. Those rows
are now `LWS-features` and `NCM-cosine`, and `LWS` and `NCM` are Kang et al.'s. A results file from before keeps its
numbers; this script only renames its entries (and their names in the recipe's method list), so that every name means what the table says, and records it:

    python benchmarks/migrate_results.py nbs/benchmarks/results/*.json nbs/tutorials/shipped/fmnist-lt-small/results.json

A file that has a `cost` entry (written after the change) or a `renamed` record (already migrated) is left alone."""
import json, sys
from pathlib import Path
from cbd_nb.core import save_json

RENAMES = {'LWS': 'LWS-features', 'NCM': 'NCM-cosine'}

def migrate(res:dict)->bool:
    "Rename the entries of `res` in place; whether anything changed"
    ms = res.get('methods')
    if not isinstance(ms, dict) or 'renamed' in res or any('cost' in v for v in ms.values() if isinstance(v, dict)): return False
    if not RENAMES.keys() & ms.keys(): return False
    res['methods'] = {RENAMES.get(k, k): v for k, v in ms.items()}
    r = res.get('recipe')
    if isinstance(r, dict) and isinstance(r.get('methods'), str): r['methods'] = ','.join(RENAMES.get(n.strip(), n.strip()) for n in r['methods'].split(','))
    res['renamed'] = {k: v for k, v in RENAMES.items() if k in ms}
    return True

if __name__ == '__main__':
    for f in map(Path, sys.argv[1:]):
        res = json.loads(f.read_text())
        if migrate(res): save_json(res, f); print(f'{f}: renamed {res["renamed"]}')
