"Every exported function and class has a docstring, and every parameter of it is documented (docments)."
import dataclasses, importlib, inspect, pkgutil
import pytest
from fastcore.docments import docments
import cbd_nb

MODULES = [m.name for m in pkgutil.iter_modules(cbd_nb.__path__) if not m.name.startswith('_')]

def _undocumented(f):
    sig = inspect.signature(f)
    params = [p for p in sig.parameters if p not in ('self', 'cls') and sig.parameters[p].kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    d = docments(f, full=True)
    return [p for p in params if not (d.get(p) or {}).get('docment')]

@pytest.mark.parametrize('mod', MODULES)
def test_exports_documented(mod):
    m = importlib.import_module(f'cbd_nb.{mod}')
    problems = []
    for name in getattr(m, '__all__', []):
        o = getattr(m, name)
        if not (inspect.isfunction(o) or inspect.isclass(o)) or getattr(o, '__module__', None) != m.__name__: continue
        if not (o.__doc__ or '').strip(): problems.append(f'{name}: no docstring')
        if dataclasses.is_dataclass(o): f = o                  # fields documented in the class body
        elif inspect.isclass(o):
            if '__init__' not in vars(o): continue
            f = o.__init__
        else: f = o
        if (miss := _undocumented(f)): problems.append(f'{name}: undocumented parameters {miss}')
    assert not problems, '\n'.join(problems)
