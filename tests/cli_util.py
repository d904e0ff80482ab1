"Shared by the tests that run `cbd-nb run` in a subprocess."

def digits(args)->list:
    "The CLI arguments as strings, on the digits-lt recipe unless they name one (the default recipe, fmnist-lt-intro, is slower)"
    args = [str(a) for a in args]
    return args if '--recipe' in args else ['--recipe', 'digits-lt', *args]

def interrupted(err:str)->tuple[str, str]:
    "(what is kept, the command): the two lines an interrupted run ends with, after checking there are two, the first asking to continue, and no traceback"
    lines = [l for l in err.strip().splitlines() if not l.startswith('cbd-nb: ')]   # notes (digits-lt's validation overlap) aside
    assert len(lines) == 2 and lines[0].endswith('Continue with:') and 'Traceback' not in err, err
    return lines[0], lines[1]

def one_line(err:str)->str:
    "The single error line of `err` (notes such as the validation overlap aside), after checking there is one and no traceback"
    lines = [l for l in err.strip().splitlines() if not l.startswith('cbd-nb: ')]
    assert len(lines) == 1 and 'Traceback' not in err, err
    return lines[0]

DONE = 'CE,cRT,LA-loss'   # two networks of the same kind (CE, LA-loss) to swap, and a method built on CE
TINY = dict(epochs=1, n_teachers=1)

def finish_done(d):
    "`d`, holding a finished tiny digits-lt run of `DONE` (for module fixtures: copy it before changing it)"
    from cbd_nb.pipeline import Run
    from cbd_nb.recipes import get_recipe
    Run(get_recipe('digits-lt', **TINY, methods=DONE), d, progress=False).all()
    return d
