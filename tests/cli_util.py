"Shared by the tests that run `cbd-nb run` in a subprocess."

def digits(args)->list:
    "The CLI arguments as strings, on the digits-lt recipe unless they name one (the default recipe, fmnist-lt-intro, is slower)"
    args = [str(a) for a in args]
    return args if '--recipe' in args else ['--recipe', 'digits-lt', *args]
