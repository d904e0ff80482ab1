"Compare the text outputs of a re-executed notebook with its committed ones (shared by test_tutorial_outputs and test_browser)."
import re

NUM = re.compile(r'-?\d+(?:\.\d+)?(?:e-?\d+)?')
TOL = 0.1   # 0.1 points of a percentage, or 0.001 of a fraction: a different CPU can round a float differently and flip a near-tied test image
TIMED = re.compile(r'seconds|perf_counter|time\(')   # cells that show wall times, which no re-run reproduces

def text_outputs(nb:dict)->list:
    "(cell index, text) of every text output of every code cell, figures and widgets left out"
    res = []
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'code' or TIMED.search(''.join(c['source'])): continue
        prev_stream = False   # a kernel under load may flush one print in several stream messages: join them again
        for o in c.get('outputs', []):
            if o.get('output_type') == 'stream' and o.get('name') == 'stdout': t = o['text']
            elif o.get('output_type') in ('execute_result', 'display_data') and 'text/plain' in o.get('data', {}) and \
                 not {'application/vnd.plotly.v1+json', 'application/vnd.jupyter.widget-view+json'} & set(o['data']): t = o['data']['text/plain']
            else: continue
            t, stream = ''.join(t) if isinstance(t, list) else t, o.get('output_type') == 'stream'
            if stream and prev_stream: res[-1] = (i, res[-1][1] + t)
            else: res.append((i, t))
            prev_stream = stream
    return res

def untimed(text:str)->str:
    "`text` without the last column of a table whose header ends with 'seconds' (a wall time, which no re-run reproduces)"
    lines = text.splitlines()
    if not lines or not lines[0].rstrip().endswith('seconds'): return text
    return '\n'.join(l.rstrip().rsplit(None, 1)[0] if l.strip() else l for l in lines)

def numbers(text:str)->list[float]: return [float(x) for x in NUM.findall(untimed(text))]

def close(a:list, b:list)->bool:
    "Same count of numbers, each within `TOL` (a percentage or count) or `TOL`/100 (a fraction below 1)"
    return len(a) == len(b) and all(abs(x - y) <= (TOL if abs(y) >= 1 else TOL / 100) + 1e-9 for x, y in zip(a, b))   # 1e-9: 75.4 - 75.3 is 0.1000000000000085 in floats

def differences(committed:dict, fresh:dict, name:str)->list:
    "One message per code cell whose printed numbers differ (beyond `TOL`) between the committed and the re-executed notebook"
    old, new = text_outputs(committed), text_outputs(fresh)
    assert len(old) >= 5, f'{name} has only {len(old)} text outputs committed: execute it and commit its outputs'
    assert [i for i, _ in old] == [i for i, _ in new], f'{name}: the cells with text output differ between the committed and the re-executed notebook'
    return [f'cell {i}:\n  committed: {a[:300]}\n  now:       {b[:300]}' for (i, a), (_, b) in zip(old, new) if not close(numbers(b), numbers(a))]
