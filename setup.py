"The build step that puts the tutorials in the wheel: `build_py` copies them from nbs/ (their only source) into cbd_nb/_tutorials, and names them as sources so the sdist carries them too. The rest of the metadata is in pyproject.toml."
import ast, shutil
from pathlib import Path
from setuptools import setup
from setuptools.command.build_py import build_py

NBS = Path('nbs')

def module_defs(path:str, # a module of this package
                *names:str # the top-level names to take from it
               )->dict:
    "The top-level definitions `names` of the module at `path`, run alone with only `Path` at hand, so that the build imports no dependency of cbd_nb"
    body = [n for n in ast.parse(Path(path).read_text()).body
            if getattr(n, 'name', None) in names or isinstance(n, ast.Assign) and any(getattr(t, 'id', None) in names for t in n.targets)]
    ns = {'Path': Path}
    exec(compile(ast.Module(body, type_ignores=[]), path, 'exec'), ns)
    return ns

tutorial_files = module_defs('cbd_nb/tutorials.py', 'TUTORIAL_FILES', 'tutorial_files')['tutorial_files']   # one list, in nbs/13_tutorials.ipynb

def tutorials()->list[Path]:
    "The files of nbs/ that the wheel carries; a build without them stops, since `cbd-nb tutorials` would have nothing to copy"
    fs = tutorial_files(NBS)
    if not any(f.suffix == '.ipynb' for f in fs): raise SystemExit(f"{NBS/'tutorials'} not found: build cbd_nb from a clone of its repository or from its sdist.")
    return fs

class BuildPy(build_py):
    "setuptools' build_py, plus the tutorials as package data in cbd_nb/_tutorials (an editable install reads nbs/ instead)"
    def run(self):
        super().run()
        if self.editable_mode: return
        dest = Path(self.build_lib)/'cbd_nb'/'_tutorials'
        shutil.rmtree(dest, ignore_errors=True)    # nothing left from an earlier build in the same build/
        for f in tutorials():
            self.mkpath(str((dest/f).parent))
            self.copy_file(str(NBS/f), str(dest/f))

    def get_source_files(self):
        "The package's sources and the tutorials: the sdist's file list comes from here"
        return super().get_source_files() + [str(NBS/f) for f in tutorials()]

setup(cmdclass={'build_py': BuildPy})
