"""Every layer's hand-derived backward against finite differences, and the rest of the layer
contract of ``docs/API.md``: forward formulas, maxout's ties, a sigmoid that never overflows,
dtypes that stay as stated, shape errors a student can act on, dropout's mask, initialisation,
``params``/``grads``, and a backward that never touches a parameter.

Gradients are checked in float64 with ``mg.gradcheck.check_layer`` (central differences,
step ``h = 1e-5``) on shapes and values drawn by hypothesis.
"""
import copy
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.layers import Dropout, LeakyReLU, Linear, Maxout, ReLU, Sequential, Sigmoid, Tanh

TOL = 1e-6  # largest relative error allowed between backward and finite differences

# ReLU, LeakyReLU and maxout have kinks: at x = 0, and where two maxout pieces tie. A central
# difference straddling a kink (|distance| < h = 1e-5) averages the two slopes and disagrees with
# either one-sided derivative, although backward is right. So every drawn input keeps its kinks
# at least KINK = 1e-3 (100 steps h) away, either by construction or with ``assume``.
KINK = 1e-3

# RESOLUTION. A central difference in float64 sees a derivative only to about eps*|y|/h, i.e.
# 1e-11 for outputs y of size 1, and check_layer compares entries below atol = 1e-4 absolutely
# (1e-4 * TOL = 1e-10). So drawn inputs and weights keep outputs of order 1 to 10 -- as in a
# trained network -- rather than 1e3, where no finite difference could confirm a 1e-6 error.

checks = settings(max_examples=30, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

seeds = st.integers(0, 2**32 - 1)
widths = st.integers(1, 32)


def batches(limit, width=widths, away_from_zero=False):
    """(batch 1..16, width) float64 inputs in [-limit, limit] (|x| >= KINK if away_from_zero)."""
    values = st.floats(-limit, limit)
    if away_from_zero:
        values = st.floats(KINK, limit) | st.floats(-limit, -KINK)
    return st.tuples(st.integers(1, 16), width).flatmap(
        lambda shape: hnp.arrays(np.float64, shape, elements=values))


def random_biases(layer, seed):
    """Non-zero biases: they separate maxout pieces (and ReLU inputs) even where x is 0."""
    b = layer.params["b"]
    b[...] = np.random.default_rng(seed).uniform(-1, 1, b.shape)
    return layer


def maxout_margin(layer, x):
    """Smallest gap, over the batch and the units, between the winning piece and the runner-up."""
    z = (x @ layer.params["W"] + layer.params["b"]).reshape(len(x), layer.units, layer.pieces)
    if layer.pieces == 1:
        return np.inf
    top_two = np.sort(z, axis=2)[:, :, -2:]
    return (top_two[:, :, 1] - top_two[:, :, 0]).min()


def distance_to_nearest_kink(model, x):
    """How close any ReLU/LeakyReLU input or maxout tie gets to its kink, on a copy of ``model``
    (so the dropout generators of the model itself are not advanced)."""
    probe = copy.deepcopy(model)
    distance = np.inf
    for layer in getattr(probe, "layers", [probe]):
        if isinstance(layer, (ReLU, LeakyReLU)):
            distance = min(distance, np.abs(x).min())
        if isinstance(layer, Maxout):
            distance = min(distance, maxout_margin(layer, x))
        x = layer.forward(x, train=True)
    return distance


def assert_gradients_match(layer, x):
    errors = mg.gradcheck.check_layer(layer, x)
    assert set(errors) == {"x", *layer.params}
    assert max(errors.values()) < TOL, errors


# --- backward against finite differences (float64) -----------------------------------------

@checks
@given(x=batches(limit=10), n_out=widths, seed=seeds)
def test_linear_gradient_matches_finite_differences(x, n_out, seed):
    layer = random_biases(Linear(x.shape[1], n_out, rng=seed, dtype="float64"), seed)
    assert_gradients_match(layer, x)


@checks
@given(x=batches(limit=10, away_from_zero=True))
def test_relu_gradient_matches_finite_differences_away_from_the_kink(x):
    assert_gradients_match(ReLU(), x)


@checks
@given(x=batches(limit=10, away_from_zero=True), slope=st.floats(0.0, 0.5))
def test_leaky_relu_gradient_matches_finite_differences_away_from_the_kink(x, slope):
    assert_gradients_match(LeakyReLU(slope), x)


@checks
@given(x=batches(limit=40))
def test_sigmoid_gradient_matches_finite_differences_even_in_its_tails(x):
    assert_gradients_match(Sigmoid(), x)


@checks
@given(x=batches(limit=40))
def test_tanh_gradient_matches_finite_differences_even_in_its_tails(x):
    assert_gradients_match(Tanh(), x)


@checks
@given(x=batches(limit=3), units=widths, pieces=st.integers(1, 5), seed=seeds)
def test_maxout_gradient_matches_finite_differences(x, units, pieces, seed):
    n_in = x.shape[1]
    layer = Maxout(n_in, units, pieces, irange=n_in**-0.5, rng=seed, dtype="float64")
    random_biases(layer, seed)
    assume(maxout_margin(layer, x) > KINK)
    assert_gradients_match(layer, x)


@checks
@given(x=batches(limit=10), p_drop=st.floats(0.0, 0.9), seed=seeds)
def test_dropout_gradient_matches_finite_differences_with_its_mask_held_fixed(x, p_drop, seed):
    # check_layer resets the layer's rng before every forward, so each pass draws the same mask.
    assert_gradients_match(Dropout(p_drop, seed=seed), x)


@checks
@given(x=batches(limit=10), p_drop=st.floats(0.0, 0.9), seed=seeds)
def test_dropout_in_evaluation_is_the_identity(x, p_drop, seed):
    layer = Dropout(p_drop, seed=seed)
    dy = np.random.default_rng(seed).standard_normal(x.shape)
    assert np.array_equal(layer.forward(x, train=False), x)
    assert np.array_equal(layer.backward(dy), dy)
    assert max(mg.gradcheck.check_layer(layer, x, train=False).values()) < TOL


@st.composite
def stacks(draw):
    """A Sequential of 1-3 blocks [Dropout?] -> Linear|Maxout -> activation, widths 1..12.
    Weights ~ U(+-1/sqrt(n_in)) keep activations O(1) however deep the stack (see RESOLUTION)."""
    n_in = n = draw(st.integers(1, 12))
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        seed, width = draw(seeds), draw(st.integers(1, 12))
        if draw(st.booleans()):
            layers.append(Dropout(draw(st.floats(0.0, 0.5)), seed=seed))
        if draw(st.booleans()):
            layers.append(Linear(n, width, irange=n**-0.5, rng=seed, dtype="float64"))
        else:
            layers.append(Maxout(n, width, draw(st.integers(1, 5)), irange=n**-0.5, rng=seed,
                                 dtype="float64"))
        random_biases(layers[-1], seed + 1)
        layers.append(draw(st.sampled_from([ReLU, LeakyReLU, Sigmoid, Tanh]))())
        n = width
    return n_in, Sequential(*layers)


@checks
@given(stack=stacks(), data=st.data())
def test_sequential_stack_gradient_matches_finite_differences(stack, data):
    n_in, model = stack
    x = data.draw(batches(limit=3, width=st.just(n_in)))
    assume(distance_to_nearest_kink(model, x) > KINK)
    assert_gradients_match(model, x)


# --- forward against the formulas ----------------------------------------------------------

def test_linear_forward_is_x_at_W_plus_b():
    layer = random_biases(Linear(4, 3, rng=0, dtype="float64"), 1)
    x = np.random.default_rng(2).standard_normal((5, 4))
    W, b = layer.params["W"], layer.params["b"]
    assert np.allclose(layer.forward(x), x @ W + b)


def test_activations_forward_match_their_formulas():
    x = np.linspace(-6, 6, 25).reshape(5, 5)
    assert np.array_equal(ReLU().forward(x), np.maximum(x, 0))
    assert np.array_equal(LeakyReLU(0.1).forward(x), np.where(x > 0, x, 0.1 * x))
    assert np.allclose(Tanh().forward(x), np.tanh(x))
    assert np.allclose(Sigmoid().forward(x), 1 / (1 + np.exp(-x)), rtol=1e-14, atol=0)


@settings(max_examples=25, deadline=None)
@given(x=batches(limit=3, width=st.integers(1, 8)), units=st.integers(1, 8),
       pieces=st.integers(1, 5), seed=seeds)
def test_maxout_forward_is_the_max_over_contiguous_column_groups(x, units, pieces, seed):
    layer = random_biases(Maxout(x.shape[1], units, pieces, irange=1.0, rng=seed,
                                 dtype="float64"), seed)
    z = x @ layer.params["W"] + layer.params["b"]
    expected = np.empty((len(x), units))
    for j in range(units):
        expected[:, j] = z[:, j * pieces:j * pieces + pieces].max(axis=1)
    assert np.array_equal(layer.forward(x), expected)


def test_maxout_ties_go_to_the_first_piece_and_only_it_gets_the_gradient():
    # Unit 0: pieces 0, 1, 2 tie exactly (same column of W, same bias) -> piece 0 wins.
    # Unit 1: piece 0 is lower; pieces 1 and 2 tie above it -> piece 1 wins.
    layer = Maxout(2, units=2, pieces=3, dtype="float64")
    a, c = np.array([0.5, -1.0]), np.array([2.0, 1.0])
    layer.params["W"][...] = np.stack([a, a, a, a - 1, c, c], axis=1)
    layer.params["b"][...] = [0.3, 0.3, 0.3, 0.0, 0.0, 0.0]
    x = np.array([[1.0, 2.0], [3.0, -0.5]])
    dy = np.array([[1.0, 10.0], [100.0, 1000.0]])

    y = layer.forward(x)
    dx = layer.backward(dy)

    assert np.array_equal(y[:, 0], x @ a + 0.3)
    assert np.array_equal(y[:, 1], x @ c)
    dW, db = layer.grads["W"], layer.grads["b"]
    assert np.array_equal(dW[:, 0], x.T @ dy[:, 0])           # the first tied piece wins ...
    assert np.array_equal(db, [dy[:, 0].sum(), 0, 0, 0, dy[:, 1].sum(), 0])
    assert np.all(dW[:, [1, 2, 3, 5]] == 0)                   # ... and no other piece learns
    assert np.array_equal(dW[:, 4], x.T @ dy[:, 1])
    assert np.array_equal(dx, np.outer(dy[:, 0], a) + np.outer(dy[:, 1], c))



@pytest.mark.parametrize("pieces", [1, 2, 7, 300])
def test_maxout_picks_the_winning_piece_for_any_number_of_pieces(pieces):
    # 300 pieces: the winner's index no longer fits in a byte.
    layer = Maxout(3, units=4, pieces=pieces, irange=1.0, rng=0, dtype="float64")
    x = np.random.default_rng(1).standard_normal((6, 3))
    dy = np.random.default_rng(2).standard_normal((6, 4))
    z = (x @ layer.params["W"]).reshape(6, 4, pieces)
    winner = z.argmax(axis=2)
    dz = np.zeros_like(z)
    np.put_along_axis(dz, winner[:, :, None], dy[:, :, None], axis=2)

    assert np.array_equal(layer.forward(x), z.max(axis=2))
    dx = layer.backward(dy)
    assert np.allclose(layer.grads["W"], x.T @ dz.reshape(6, -1))
    assert np.allclose(dx, dz.reshape(6, -1) @ layer.params["W"].T)


@pytest.mark.parametrize("bad", [dict(units=0), dict(pieces=0), dict(pieces=2.5), dict(n_in=-1)])
def test_maxout_refuses_sizes_that_are_not_positive_integers(bad):
    sizes = {"n_in": 3, "units": 2, "pieces": 5, **bad}
    with pytest.raises(ValueError, match=f"{list(bad)[0]}={list(bad.values())[0]!r}.*positive integers"):
        Maxout(**sizes)

# --- the sigmoid never overflows -----------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_gives_no_warnings_and_exact_limits_at_plus_minus_1e4(dtype):
    x = np.array([[-1e4, -1e3, 1e3, 1e4]], dtype=dtype)
    layer = Sigmoid()
    # Overflow, division by zero and NaN are errors here. Underflow is not trapped: exp(-1e4)
    # underflowing to 0 *is* the answer (sigmoid(-1e4) is 0 in every float format), and NumPy
    # ignores underflow by default, so a user sees no warning from it.
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        y = layer.forward(x)
        dx = layer.backward(np.ones_like(x))
    assert np.array_equal(y, [[0, 0, 1, 1]])
    assert np.array_equal(dx, [[0, 0, 0, 0]])


# --- dtypes: float32 stays float32 ---------------------------------------------------------

FLOAT32_LAYERS = {
    "Linear": lambda: Linear(4, 4, rng=0),
    "ReLU": ReLU,
    "LeakyReLU": LeakyReLU,
    "Sigmoid": Sigmoid,
    "Tanh": Tanh,
    "Maxout": lambda: Maxout(4, 4, 3, rng=0),
    "Dropout": lambda: Dropout(0.5, seed=0),
    "Sequential": lambda: Sequential(Dropout(0.2, seed=0), Maxout(4, 3, 2, rng=1), LeakyReLU(),
                                     Linear(3, 4, rng=2), ReLU(), Linear(4, 4, rng=3), Tanh(),
                                     Linear(4, 4, rng=4), Sigmoid()),
}


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", FLOAT32_LAYERS)
def test_float32_stays_float32_through_forward_and_backward(name, train):
    layer = FLOAT32_LAYERS[name]()
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    y = layer.forward(x, train=train)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == np.float32
    assert dx.dtype == np.float32
    for k in layer.params:
        assert layer.params[k].dtype == np.float32, k
        assert layer.grads[k].dtype == np.float32, k


# --- shape errors a student can act on -----------------------------------------------------

@pytest.mark.parametrize("layer, x_shape, name, expected, actual", [
    (Linear(4, 3), (5, 3), "Linear(4, 3)", "(batch, 4)", "(5, 3)"),
    (Linear(4, 3), (4,), "Linear(4, 3)", "(batch, 4)", "(4,)"),
    (Maxout(6, 2, 5), (2, 6, 1), "Maxout(6, units=2, pieces=5)", "(batch, 6)", "(2, 6, 1)"),
    (Sequential(Linear(4, 3), ReLU(), Linear(2, 1)), (5, 4), "Linear(2, 1)", "(batch, 2)",
     "(5, 3)"),
])
def test_wrong_input_shape_raises_value_error_naming_layer_and_both_shapes(
        layer, x_shape, name, expected, actual):
    with pytest.raises(ValueError) as error:
        layer.forward(np.zeros(x_shape, dtype=np.float32))
    message = str(error.value)
    assert name in message
    assert expected in message
    assert actual in message


# --- dropout -------------------------------------------------------------------------------

@pytest.mark.parametrize("p_drop", [0.2, 0.5, 0.8])
def test_dropout_drops_a_fraction_p_drop_and_keeps_the_mean(p_drop):
    x = np.ones((500, 200))
    y = Dropout(p_drop, seed=0).forward(x)
    dropped = y == 0
    assert abs(dropped.mean() - p_drop) < 0.01
    assert np.allclose(y[~dropped], 1 / (1 - p_drop))     # survivors are scaled up ...
    assert abs(y.mean() - 1) < 0.03                      # ... so the mean scaling is 1


def test_dropout_same_seed_gives_same_mask_and_each_pass_a_fresh_one():
    x = np.ones((20, 30))
    first, second = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    y = first.forward(x)
    assert np.array_equal(y, second.forward(x))
    assert not np.array_equal(y, first.forward(x))
    assert not np.array_equal(y, Dropout(0.5, seed=8).forward(x))


def test_dropout_backward_uses_the_forward_mask():
    layer = Dropout(0.5, seed=3)
    y = layer.forward(np.ones((10, 10)))
    assert np.array_equal(layer.backward(np.ones((10, 10))), y)


@pytest.mark.parametrize("p_drop", [-0.1, 1.0, 1.5])
def test_dropout_rejects_p_drop_outside_0_1(p_drop):
    with pytest.raises(ValueError, match="p_drop"):
        Dropout(p_drop)


# --- initialisation ------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda rng: Linear(30, 40, irange=0.1, rng=rng),
                                  lambda rng: Maxout(30, 8, 5, irange=0.1, rng=rng)])
def test_weights_start_uniform_within_irange_and_biases_at_zero(make):
    layer = make(0)
    W, b = layer.params["W"], layer.params["b"]
    assert np.all(np.abs(W) <= 0.1)
    assert W.max() > 0.09 and W.min() < -0.09               # the whole range is used
    assert np.all(b == 0)
    assert np.array_equal(make(0).params["W"], W)            # same seed, same weights
    assert np.array_equal(make(np.random.default_rng(0)).params["W"], W)
    assert not np.array_equal(make(1).params["W"], W)


# --- params, grads and backward ------------------------------------------------------------

LAYERS = {
    "Linear": lambda: Linear(4, 3, rng=0, dtype="float64"),
    "ReLU": ReLU,
    "LeakyReLU": LeakyReLU,
    "Sigmoid": Sigmoid,
    "Tanh": Tanh,
    "Maxout": lambda: Maxout(4, 3, 2, rng=0, dtype="float64"),
    "Dropout": lambda: Dropout(0.3, seed=0),
    "Sequential": lambda: Sequential(Dropout(0.2, seed=0), Maxout(4, 3, 2, rng=1, dtype="float64"),
                                     Linear(3, 2, rng=2, dtype="float64"), Sigmoid()),
}


@pytest.mark.parametrize("name", LAYERS)
def test_params_and_grads_have_the_same_keys_and_shapes_after_backward(name):
    layer = LAYERS[name]()
    y = layer.forward(np.random.default_rng(0).standard_normal((5, 4)))
    layer.backward(np.ones_like(y))
    assert layer.params.keys() == layer.grads.keys()
    for k in layer.params:
        assert layer.grads[k].shape == layer.params[k].shape, k


@pytest.mark.parametrize("name", LAYERS)
def test_backward_never_changes_parameters(name):
    layer = LAYERS[name]()
    before = {k: p.copy() for k, p in layer.params.items()}
    y = layer.forward(np.random.default_rng(0).standard_normal((5, 4)))
    layer.backward(np.ones_like(y))
    assert layer.params.keys() == before.keys()
    for k in before:
        assert np.array_equal(layer.params[k], before[k]), k


def test_sequential_params_and_grads_are_the_layers_own_arrays():
    model = Sequential(Linear(3, 2, rng=0), ReLU(), Maxout(2, 2, 2, rng=1))
    assert list(model.params) == ["0.W", "0.b", "2.W", "2.b"]
    model.params["0.W"] += 1.0                                # an optimizer's in-place update
    model.params["2.b"][0] = 5.0
    assert np.array_equal(model.layers[0].params["W"], Linear(3, 2, rng=0).params["W"] + 1)
    assert model.layers[2].params["b"][0] == 5.0
    y = model.forward(np.ones((4, 3), dtype=np.float32))
    model.backward(np.ones_like(y))
    assert model.grads["2.W"] is model.layers[2].grads["W"]
