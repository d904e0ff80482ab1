"LDAM-DRW's cosine scale is a recipe setting (`ldam_s`), so a control can hold the scale equal to the other cosine heads' (issue 33)."
import pytest
from cbd_nb.pipeline import Run
from cbd_nb.recipes import get_recipe, with_added
from cbd_nb.checkpoint import load_checkpoint

def test_ldam_scale_reaches_the_network_and_its_record(tmp_path):
    r = get_recipe('digits-lt', epochs=1, methods='LDAM-DRW', ldam_s=20.)
    run = Run(r, tmp_path/'s20', progress=False)
    res = run.all()
    assert run.networks.nets['ldam-drw'].classifier.scale.item() == 20.
    assert load_checkpoint(tmp_path/'s20'/'checkpoints'/'ldam-drw.pt')['made']['recipe']['ldam_s'] == 20.
    assert res['recipe']['ldam_s'] == 20.
    with pytest.raises(ValueError, match="another recipe.*ldam_s"):                # a resume at another scale is refused, naming the setting
        Run(get_recipe('digits-lt', epochs=1, methods='LDAM-DRW'), tmp_path/'s20', resume=True, progress=False)

def test_default_scale_is_the_authors_and_older_records_meant_it():
    assert get_recipe('fmnist-lt-small').ldam_s == 30.
    assert with_added({'seed': 1})['ldam_s'] == 30.                                # a results file from before the setting: LDAM-DRW at 30
