"Metrics refuse input that cannot be right instead of answering wrongly (issue 9, item 6)."
import pytest, torch
from cbd_nb.metrics import confusion_matrix, ece, shot_accuracy
from cbd_nb.models import create_model
from cbd_nb.evaluate import evaluate
from cbd_nb.datasets import Tensors

def test_out_of_range_prediction_is_refused():
    "Before: the prediction 3 with 3 classes was counted as a correct class-2 prediction of the next row"
    with pytest.raises(ValueError, match='outside the class ids 0..2'): confusion_matrix(torch.tensor([0, 3]), torch.tensor([0, 1]), 3)

def test_out_of_range_target_is_refused():
    with pytest.raises(ValueError, match='targets lie outside'): confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 5]), 3)

def test_ece_refuses_logits():
    "Before: ece of logits returned a number (7.96 in the issue)"
    logits = torch.randn(50, 10) * 5
    with pytest.raises(ValueError, match='look like logits'): ece(logits, torch.randint(0, 10, (50,)))

def test_ece_refuses_nan_probabilities():
    "Before: a bincount error"
    p = torch.full((4, 2), 0.5); p[1, 0] = float('nan')
    with pytest.raises(ValueError, match='NaN'): ece(p, torch.zeros(4, dtype=torch.long))

def test_ece_accepts_probabilities():
    assert 0 <= ece(torch.randn(50, 10).softmax(1), torch.randint(0, 10, (50,))) <= 1

def test_evaluate_nan_model():
    "Before: a model that outputs NaN failed evaluate with an obscure bincount error"
    m = create_model('resnet8', 3, 1)
    with torch.no_grad(): m.classifier.weight.fill_(float('nan'))
    test = Tensors(torch.randint(0, 255, (6, 1, 8, 8), dtype=torch.uint8), torch.tensor([0, 1, 2, 0, 1, 2]))
    with pytest.raises(ValueError, match='not finite'): evaluate(m, test, torch.tensor([10, 5, 2]), 'cpu')

def test_shot_accuracy_scores_of_wrong_width():
    with pytest.raises(ValueError, match='columns'): shot_accuracy(torch.randn(4, 5), torch.tensor([0, 1, 2, 3]), torch.tensor([9, 5, 3, 1]))
