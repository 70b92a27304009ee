"""The student's side of the contract: layers a student writes (here, in this file, not in the
library), checked the way the README shows, then trained inside a GAN.

Every buggy layer below is a mistake students make. The checker must fail each one whatever
seed the student draws ``x`` with, and a correct layer must pass and train.
"""
import numpy as np
import pytest

import minigan as mg
from minigan.layers import Layer

SEEDS = [0, 1, 2, 42, 123, 1234, 2024]  # what students type


def student_x(seed, shape=(5, 4)):
    """``x`` exactly as the README draws it."""
    return np.random.default_rng(seed).standard_normal(shape)


class StudentLinear(Layer):
    """A student's affine layer, written to the documented contract: backward(dy) -> dx."""

    def __init__(self, n_in, n_out, seed=0, transpose_bug=False):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.uniform(-0.5, 0.5, (n_in, n_out)), "b": rng.uniform(-0.1, 0.1, n_out)}
        self.transpose_bug = transpose_bug

    def forward(self, x, train=True):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        # dx = dy @ W.T;  dW = x.T @ dy;  db = sum_batch dy
        dW = dy.T @ self.x if self.transpose_bug else self.x.T @ dy
        self.grads = {"W": dW, "b": dy.sum(axis=0)}
        return dy @ self.params["W"].T


class StudentSoftplus(Layer):
    """y = log(1 + e^x); dy/dx = sigmoid(x). ``times_x_bug`` multiplies by x instead of dy."""

    def __init__(self, times_x_bug=False):
        super().__init__()
        self.times_x_bug = times_x_bug

    def forward(self, x, train=True):
        self.x = x
        return np.logaddexp(0, x)

    def backward(self, dy):
        # dx = dy * sigmoid(x)
        upstream = self.x if self.times_x_bug else dy
        return upstream * mg.layers.sigmoid(self.x)


class StudentDropout(Layer):
    """Inverted dropout with its generator under a name of the student's choosing."""

    def __init__(self, p_drop, seed=0, forget_scale=False, legacy=False):
        super().__init__()
        self.p_drop, self.forget_scale, self.legacy = p_drop, forget_scale, legacy
        self.gen = np.random.default_rng(seed)

    def forward(self, x, train=True):
        u = np.random.rand(*x.shape) if self.legacy else self.gen.random(x.shape)
        self.mask = (u >= self.p_drop) / (1 - self.p_drop)
        return x * self.mask

    def backward(self, dy):
        # dx = dy * mask / (1 - p)
        return dy * (self.mask * (1 - self.p_drop) if self.forget_scale else self.mask)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_correct_student_layer_passes_with_the_readme_seed(seed):
    mg.gradcheck.assert_layer_gradients(StudentLinear(4, 3, seed), student_x(seed))
    mg.gradcheck.assert_layer_gradients(StudentSoftplus(), student_x(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_square_linear_missing_its_transpose_fails_whatever_the_seed(seed):
    layer = StudentLinear(4, 4, seed, transpose_bug=True)
    with pytest.raises(AssertionError, match="dW"):
        mg.gradcheck.assert_layer_gradients(layer, student_x(seed, (4, 4)), seed=seed)
    with pytest.raises(AssertionError, match="dW"):  # and with the checker's default seed
        mg.gradcheck.assert_layer_gradients(layer, student_x(seed, (4, 4)))


@pytest.mark.parametrize("seed", SEEDS)
def test_an_activation_that_multiplies_by_x_instead_of_dy_fails_whatever_the_seed(seed):
    for check_seed in (0, seed):
        with pytest.raises(AssertionError, match="dx"):
            mg.gradcheck.assert_layer_gradients(StudentSoftplus(times_x_bug=True),
                                                student_x(seed), seed=check_seed)


def test_the_upstream_gradient_never_equals_the_students_input():
    for seed in SEEDS:
        x = student_x(seed)
        assert not np.allclose(mg.gradcheck.upstream(x.shape, seed), x)
        assert not np.allclose(mg.gradcheck.upstream(x.shape, 0), x)


@pytest.mark.parametrize("legacy", [False, True], ids=["own-generator-named-gen", "np.random.rand"])
def test_a_correct_random_layer_passes_whatever_its_generator_is_called(legacy):
    mg.gradcheck.assert_layer_gradients(StudentDropout(0.3, legacy=legacy), student_x(0))


def test_a_dropout_missing_its_scale_is_named_as_a_constant_factor():
    with pytest.raises(AssertionError, match=r"analytic = 0\.7 x numerical for every entry"):
        mg.gradcheck.assert_layer_gradients(StudentDropout(0.3, forget_scale=True), student_x(0))


def test_a_factor_two_is_named_as_a_constant_factor():
    class Doubled(StudentLinear):
        def backward(self, dy):
            dx = super().backward(dy)
            self.grads["W"] = 2 * self.grads["W"]
            return dx
    with pytest.raises(AssertionError, match=r"dW.*\n.*analytic = 2 x numerical"):
        mg.gradcheck.assert_layer_gradients(Doubled(4, 3), student_x(0))


def test_a_correct_relu_at_an_input_of_exactly_zero_fails_naming_the_kink():
    x = student_x(0)
    x[1, 2] = 0.0
    with pytest.raises(AssertionError, match="kink") as failure:
        mg.gradcheck.assert_layer_gradients(mg.layers.ReLU(), x)
    assert "dx[1, 2]" in str(failure.value) and "ReLU" in str(failure.value)


def test_a_correct_maxout_at_a_tie_fails_naming_the_kink():
    """A blank image and zero biases: every piece of every unit ties at 0."""
    layer = mg.layers.Maxout(4, 2, 3, irange=0.5, rng=0, dtype="float64")
    with pytest.raises(AssertionError, match="maxout tie"):
        mg.gradcheck.assert_layer_gradients(layer, np.zeros((3, 4)))


def test_a_wrong_layer_away_from_kinks_is_not_excused_as_a_kink():
    class LeakyWrong(Layer):
        def forward(self, x, train=True):
            self.x = x
            return np.where(x > 0, x, 0.1 * x)

        def backward(self, dy):
            return np.where(self.x > 0, dy, 0.2 * dy)  # wrong slope on the left
    with pytest.raises(AssertionError) as failure:
        mg.gradcheck.assert_layer_gradients(LeakyWrong(), student_x(0))
    assert "kink" not in str(failure.value)


# --- the student's layer inside a network and a GAN ------------------------------------------

def student_gan(update):
    G = mg.layers.Sequential(StudentLinear(2, 8, 0), StudentSoftplus(), StudentLinear(8, 2, 1))
    D = mg.layers.Sequential(StudentDropout(0.2, 2), StudentLinear(2, 8, 3), StudentSoftplus(),
                             StudentLinear(8, 1, 4))
    return mg.gan.GAN(G, D, z_dim=2, noise="gaussian", update=update,
                      d_optimizer=mg.optim.SGD(D, 0.05, 0.5), g_optimizer=mg.optim.SGD(G, 0.05, 0.5))


class SoftplusRightNearZero(StudentSoftplus):
    """sigmoid(x) ~ 1/2 + x/4: a backward that is right only for inputs near 0."""

    def backward(self, dy):
        return dy * (0.5 + self.x / 4)


def one_d_gan(softplus):
    """A small 1-D GAN with the student's Softplus in both nets, as a student would build one."""
    rng = np.random.default_rng(0)
    G = mg.layers.Sequential(mg.layers.Linear(2, 8, irange=0.5, rng=rng, dtype="float64"), softplus(),
                             mg.layers.Linear(8, 1, irange=0.5, rng=rng, dtype="float64"))
    D = mg.layers.Sequential(mg.layers.Linear(1, 8, irange=0.5, rng=rng, dtype="float64"), softplus(),
                             mg.layers.Linear(8, 1, irange=0.5, rng=rng, dtype="float64"))
    return mg.gan.GAN(G, D, z_dim=2, seed=0)


@pytest.mark.parametrize("seed", range(10))
def test_the_whole_step_check_passes_a_right_gan_and_refuses_a_wrong_one_for_every_seed(seed):
    """Minibatches from ten seeds. With the old absolute floor (atol 1e-6: |error| < 1e-11 for tiny
    entries, below float64's finite-difference noise at h = 1e-6) this right GAN was refused for 4
    of these 10 seeds."""
    rng = np.random.default_rng(seed)
    x_real, z = rng.normal(2, 0.5, (16, 1)), rng.standard_normal((16, 2))
    for _ in range(2):    # the same verdicts when asked twice
        mg.gradcheck.assert_gan_gradients(one_d_gan(StudentSoftplus), x_real, z)
        with pytest.raises(AssertionError, match="backward disagrees with finite differences"):
            mg.gradcheck.assert_gan_gradients(one_d_gan(SoftplusRightNearZero), x_real, z)


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_a_students_layers_pass_the_whole_step_check_and_train_in_a_gan(update):
    gan = student_gan(update)
    rng = np.random.default_rng(0)
    mg.gradcheck.assert_gan_gradients(gan, rng.normal(3, 0.5, (6, 2)), rng.standard_normal((6, 2)))

    data = rng.normal([3.0, -2.0], 0.3, (3000, 2))   # G starts near 0; the data sit far away
    before = np.linalg.norm(gan.sample(500, seed=1).mean(axis=0) - [3.0, -2.0])
    mg.training.fit(gan, data, epochs=4, batch_size=30, lr=0.05, momentum=0.5)
    after = np.linalg.norm(gan.sample(500, seed=1).mean(axis=0) - [3.0, -2.0])
    assert after < 0.5 * before, (before, after)


class NoParams:
    def forward(self, x, train=True):
        return x

    def backward(self, dy):
        return dy


class WrongShape(Layer):
    def forward(self, x, train=True):
        return x

    def backward(self, dy):
        return dy.T


class WrongKey(StudentLinear):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads = {"dW": self.grads["W"], "b": self.grads["b"]}
        return dx


def test_a_layer_without_params_is_refused_by_sequential_and_gan_with_one_message():
    for build in (lambda: mg.layers.Sequential(NoParams()),
                  lambda: mg.gan.GAN(NoParams(), StudentLinear(2, 1), z_dim=2),
                  lambda: mg.gradcheck.check_layer(NoParams(), student_x(0))):
        with pytest.raises(TypeError, match=r"NoParams.*no params dict.*subclass minigan.layers.Layer"):
            build()


@pytest.mark.parametrize("bad, fix", [(WrongShape(), "shaped like x"),
                                      (WrongKey(2, 2), r"grads \['b', 'dW'\].*own key")])
def test_a_broken_backward_gets_the_same_message_from_sequential_gan_and_checker(bad, fix):
    name = type(bad).__name__
    x = student_x(0, (3, 2))
    with pytest.raises(ValueError, match=f"{name}.*{fix}"):
        net = mg.layers.Sequential(StudentLinear(2, 2), bad)
        net.forward(x)
        net.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=f"{name}.*{fix}"):
        gan = mg.gan.GAN(StudentLinear(2, 2), mg.layers.Sequential(bad, StudentLinear(2, 1)), z_dim=2)
        gan.step(x)
    with pytest.raises(AssertionError, match=f"{name}.*{fix}"):
        mg.gradcheck.assert_layer_gradients(bad, x)


def test_gradcheck_frames_are_hidden_from_a_students_pytest_traceback(pytester):
    pytester.makepyfile(test_mine="""
        import numpy as np
        import minigan as mg

        class Bad(mg.layers.Layer):
            def forward(self, x, train=True):
                self.x = x
                return 2 * x
            def backward(self, dy):
                return dy

        def test_bad():
            mg.gradcheck.assert_layer_gradients(Bad(), np.random.default_rng(0).standard_normal((3, 2)))
    """)
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "analytic = 0.5 x numerical" in text
    assert "gradcheck.py" not in text, text


# --- the flags: what the caller will not use (requires_grad, needs_input_grad) ---------------

class Recorder(Layer):
    """An identity layer that records every backward it is asked for."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x, train=True):
        return x

    def backward(self, dy):
        self.calls += 1
        return dy


class PlainLinear:
    """A student's affine layer that does not subclass Layer: it never sees the flags."""

    def __init__(self, n_in, n_out, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.uniform(-0.5, 0.5, (n_in, n_out)), "b": np.zeros(n_out)}
        self.grads = {}

    def forward(self, x, train=True):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        # dx = dy @ W.T;  dW = x.T @ dy;  db = sum_batch dy
        self.grads = {"W": self.x.T @ dy, "b": dy.sum(axis=0)}
        return dy @ self.params["W"].T


def flagged_gan(update, linear):
    """A GAN whose Linear layers are ``linear`` (the built-in, or a student's); the rest built in."""
    G = mg.layers.Sequential(linear(3, 8, 0), mg.layers.ReLU(), linear(8, 4, 1), mg.layers.Sigmoid())
    D = mg.layers.Sequential(mg.layers.Dropout(0.2, 2), linear(4, 6, 3),
                             mg.layers.Maxout(6, 3, 2, irange=0.5, rng=4, dtype="float64"),
                             mg.layers.Dropout(0.5, 5), linear(3, 1, 6))
    return mg.gan.GAN(G, D, z_dim=3, update=update, seed=7,
                      d_optimizer=mg.optim.SGD(D, 0.1, 0.5), g_optimizer=mg.optim.SGD(G, 0.1, 0.5))


def builtin_linear(n_in, n_out, seed):
    layer = mg.layers.Linear(n_in, n_out, irange=0.5, dtype="float64")
    layer.params["W"][...] = np.random.default_rng(seed).uniform(-0.5, 0.5, (n_in, n_out))
    return layer


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
@pytest.mark.parametrize("student", [StudentLinear, PlainLinear])
def test_a_student_layer_that_computes_everything_trains_bit_for_bit_like_the_builtin(student, update):
    # The flags are permissions: the built-in Linear skips what nobody uses, the student's
    # computes it anyway, and the two GANs take exactly the same steps.
    def linear(n_in, n_out, seed):
        if student is PlainLinear:
            return PlainLinear(n_in, n_out, seed)
        layer = StudentLinear(n_in, n_out, seed)
        layer.params["W"][...] = np.random.default_rng(seed).uniform(-0.5, 0.5, (n_in, n_out))
        layer.params["b"][...] = 0
        return layer

    theirs, ours = flagged_gan(update, linear), flagged_gan(update, builtin_linear)
    x = np.random.default_rng(0).uniform(0, 1, (10, 4))
    for _ in range(4):
        theirs.step(x)
        ours.step(x)
    for a, b in ((theirs.G, ours.G), (theirs.D, ours.D)):
        assert a.params.keys() == b.params.keys()
        for k in a.params:
            assert np.array_equal(a.params[k], b.params[k]), k


def test_after_an_alternating_step_the_builtin_D_grads_are_Ds_own_gradient():
    gan = flagged_gan("alternating", builtin_linear)
    rng = np.random.default_rng(1)
    x, z = rng.uniform(0, 1, (10, 4)), rng.uniform(-1, 1, (10, 3))
    gan.discriminator_gradients(x, z)
    own = {k: g.copy() for k, g in gan.D.grads.items()}
    gan.generator_gradients(rng.uniform(-1, 1, (10, 3)))   # G's loss passes through D
    assert all(np.array_equal(gan.D.grads[k], own[k]) for k in own)
    assert any(np.abs(g).max() > 0 for g in gan.G.grads.values())


def test_the_flags_hold_for_one_call_only_and_a_trained_layer_still_passes_the_checker():
    gan = flagged_gan("alternating", builtin_linear)
    gan.step(np.random.default_rng(0).uniform(0, 1, (10, 4)))
    for net in (gan.G, gan.D):
        for layer in [net, *net.layers]:
            assert layer.requires_grad and layer.needs_input_grad, layer
    x = np.random.default_rng(2).uniform(0, 1, (5, 4))
    mg.gradcheck.assert_layer_gradients(gan.D.layers[1], x)   # dx is returned again

    class Raises(Layer):
        def forward(self, x, train=True):
            return x

        def backward(self, dy):
            raise RuntimeError("a student's bug")

    layer = Raises()
    layer.forward(x)
    with pytest.raises(RuntimeError, match="student's bug"):
        mg.layers.run_backward(layer, x, x.shape, requires_grad=False, needs_input_grad=False)
    assert layer.requires_grad and layer.needs_input_grad


def test_without_input_grad_sequential_skips_the_layers_below_the_lowest_with_parameters():
    bottom, middle = Recorder(), Recorder()
    net = mg.layers.Sequential(bottom, builtin_linear(4, 3, 0), middle, builtin_linear(3, 2, 1))
    x, dy = np.random.default_rng(0).uniform(0, 1, (5, 4)), np.ones((5, 2))
    net.forward(x)
    full = net.backward(dy)
    want = {k: g.copy() for k, g in net.grads.items()}
    assert full.shape == x.shape and bottom.calls == middle.calls == 1

    assert mg.layers.run_backward(net, dy, x.shape, needs_input_grad=False) is None
    assert bottom.calls == 1 and middle.calls == 2       # only the layer below the first Linear is skipped
    assert all(np.array_equal(net.grads[k], want[k]) for k in want)

    net.forward(2 * x)
    dx = mg.layers.run_backward(net, dy, x.shape, requires_grad=False)
    assert np.allclose(dx, full)                       # dx does not depend on x for a linear chain
    assert all(np.array_equal(net.grads[k], want[k]) for k in want)   # grads not recomputed


def test_a_wrong_dx_is_still_refused_when_nobody_needs_it():
    x = student_x(0, (3, 2))
    bad = WrongShape()
    bad.forward(x)
    with pytest.raises(ValueError, match="WrongShape.*shaped like x"):
        mg.layers.run_backward(bad, np.ones((3, 2)), x.shape, needs_input_grad=False)
    layer = StudentLinear(2, 2)
    layer.forward(x)
    with pytest.raises(ValueError, match="StudentLinear.*returned dx of shape NoneType"):
        layer.backward = lambda dy: None     # None is only accepted when dx was not asked for
        mg.layers.run_backward(layer, np.ones((3, 2)), x.shape)


class AccumulatingLinear(PlainLinear):
    """Right the first time; adds each backward's gradients to the last (a forgotten zero_grad)."""

    def backward(self, dy):
        new = {"W": self.x.T @ dy, "b": dy.sum(axis=0)}
        self.grads = {k: self.grads[k] + g if k in self.grads else g for k, g in new.items()}
        return dy @ self.params["W"].T


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_a_layer_that_accumulates_its_grads_is_refused_by_the_whole_step_check(update):
    rng = np.random.default_rng(1)
    x, z = rng.uniform(0, 1, (10, 4)), rng.uniform(-1, 1, (10, 3))
    for _ in range(2):  # the verdict does not change when asked again
        with pytest.raises(AssertionError, match=r"second time gave another d.*never grads\[name\] \+="):
            mg.gradcheck.assert_gan_gradients(flagged_gan(update, AccumulatingLinear), x, z)
        mg.gradcheck.assert_gan_gradients(flagged_gan(update, PlainLinear), x, z)
