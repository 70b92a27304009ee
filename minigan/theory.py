"""Section 4 made checkable: the optimal discriminator and the global optimum, in 1-D.

Section 4 proves two facts about the game ``min_G max_D V(D, G)`` of Eq. 1, where
``V(D, G) = E_{x~p_data}[log D(x)] + E_{x~p_g}[log(1 - D(x))]`` (Eq. 3 writes the second term
as an integral over ``x = G(z)``):

* **Proposition 1** -- for G fixed, the optimal discriminator is
  ``D*_G(x) = p_data(x) / (p_data(x) + p_g(x))`` (Eq. 2);
* **Theorem 1** -- the virtual training criterion ``C(G) = max_D V(G, D) = V(G, D*_G)`` (Eq. 4)
  equals ``-log 4 + 2 * JSD(p_data || p_g)`` (Eq. 6), so its global minimum ``-log 4`` is
  reached exactly when ``p_g = p_data``.

In one dimension every quantity is an integral over the x-line, which we evaluate on a fine,
uniform grid ``x`` with the trapezoidal rule. Densities are NumPy arrays of shape ``(n,)``
holding ``p(x)`` on that grid; everything here runs on the host (it is for plots and checks).
"""
import math

import numpy as np
from numpy import trapezoid   # (scipy.integrate costs a command 0.4 s to import)
from scipy.special import ndtri, rel_entr, xlogy

from . import backend


def p_data(x, mean=0.0, std=1.0):
    """The data density of Figure 1's x-line: a Gaussian ``N(mean, std^2)`` at points ``x``."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def p_g(G, x, noise="uniform", n_z=4001):
    """The generator's density ``p_g`` on the uniform grid ``x`` (shape ``(n,)``) for a 1-D
    ``G`` and the prior of :meth:`minigan.gan.GAN.noise`: ``noise="uniform"``,
    ``z ~ U(-sqrt 3, sqrt 3)``, or ``"gaussian"``, ``z ~ N(0, 1)``.

    This is the change of variables behind Figure 1's arrows, ``x = G(z)``::

        p_g(x) = sum over z with G(z) = x of  p_z(z) / |G'(z)|

    -- one term where G is monotone, one per branch where it folds. We do not estimate it
    from samples: we integrate it. ``G`` is evaluated at ``n_z`` values of ``z`` that cut the
    prior into cells of equal mass (evenly spaced for the uniform prior, quantiles for the
    Gaussian), and is taken linear inside each cell (exact for ReLU-type networks between
    their kinks), so each cell spreads its mass evenly over ``[G(z_j), G(z_j+1)]``. That gives
    the CDF ``F(x) = P(G(z) <= x)`` in closed form, and ``p_g(x_i) = (F(x_i + h/2) -
    F(x_i - h/2)) / h`` is the mean of ``p_z / |G'|`` over the grid cell of width ``h``
    around ``x_i``. Mass that G sends off the grid is lost (the result integrates to less
    than 1), and so is the Gaussian's mass beyond ``|z| > 4.75`` (2e-6).

    Args:
        G: a layer mapping ``(m, 1)`` noise to ``(m, 1)`` samples, on either backend.
        x: evenly spaced points, shape ``(n,)``.
        noise: the prior, as in :class:`minigan.gan.GAN`.
        n_z: number of z values.

    Returns:
        ``p_g(x)``, a float64 NumPy array of shape ``(n,)``.
    """
    x = np.asarray(x, dtype=np.float64)
    h = x[1] - x[0]
    edges = np.append(x - h / 2, x[-1] + h / 2)                  # (n + 1,)
    if noise == "uniform":
        z, mass = np.linspace(-math.sqrt(3), math.sqrt(3), n_z), 1 / (n_z - 1)
    elif noise == "gaussian":
        z, mass = ndtri(np.linspace(1e-6, 1 - 1e-6, n_z)), (1 - 2e-6) / (n_z - 1)
    else:
        raise ValueError(f"p_g noise={noise!r}: choose 'uniform' or 'gaussian', as in GAN")
    first = next(iter(G.params.values()))
    z = backend.array_module(first).asarray(z[:, None], dtype=first.dtype)
    gz = backend.to_numpy(G.forward(z, train=False))[:, 0].astype(np.float64)
    lo, hi = np.minimum(gz[:-1], gz[1:]), np.maximum(gz[:-1], gz[1:])   # each cell's image
    width = np.maximum(hi - lo, 1e-12)       # a flat cell (G' = 0) drops its mass at one point
    F = np.zeros_like(edges)
    for i in range(0, len(lo), 1024):        # chunks keep the (n + 1, 1024) table small
        s = slice(i, i + 1024)
        F += np.clip((edges[:, None] - lo[s]) / width[s], 0, 1).sum(axis=1)
    return np.diff(F) * mass / h


def D_star(pd, pg):
    """Proposition 1 (Eq. 2): the optimal discriminator ``D*(x) = p_data / (p_data + p_g)``.

    Args:
        pd, pg: ``p_data(x)`` and ``p_g(x)``, arrays of the same shape.

    Returns:
        ``D*(x)``, same shape. Where both densities vanish no point is ever seen and every
        ``D`` is optimal there; we return 1/2.
    """
    pd, pg = np.asarray(pd, dtype=np.float64), np.asarray(pg, dtype=np.float64)
    total = pd + pg
    return np.where(total > 0, pd / np.where(total > 0, total, 1), 0.5)


def V(D, pd, pg, x):
    """The value function of Eq. 1 written over x (Eq. 3, ``x = G(z)``), by quadrature:
    ``V = integral of p_data(x) log D(x) + p_g(x) log(1 - D(x)) dx``.

    Args:
        D: ``D(x)`` in [0, 1] on the grid; pd, pg: ``p_data(x)``, ``p_g(x)``; x: the grid
            (all shape ``(n,)``).
    """
    return trapezoid(xlogy(pd, D) + xlogy(pg, 1 - np.asarray(D)), x)  # 0 log 0 = 0


def C_of_G(pd, pg, x):
    """Theorem 1's virtual training criterion, Eq. 4: ``C(G) = max_D V(G, D) = V(G, D*_G)``::

        C(G) = E_{p_data}[log p_data / (p_data + p_g)] + E_{p_g}[log p_g / (p_data + p_g)]

    Equals ``-log 4 + 2 * JSD(p_data || p_g)`` (Eq. 6) -- computed here without using that.
    ``1 - D*`` is written ``p_g / (p_data + p_g)``: where ``p_g << p_data``, ``1 - D*`` would
    round to 0 and its log to ``-inf``.
    """
    total = np.asarray(pd, dtype=np.float64) + pg
    total = np.where(total > 0, total, 1)     # both 0: no mass, and 0 log 0 = 0 below
    return trapezoid(xlogy(pd, pd / total) + xlogy(pg, pg / total), x)


def jsd(pd, pg, x):
    """Jensen-Shannon divergence (Eq. 6) in nats, by quadrature on the grid ``x``:
    ``JSD(p_data || p_g) = KL(p_data || m) / 2 + KL(p_g || m) / 2`` with
    ``m = (p_data + p_g) / 2``. Zero iff the densities are equal; at most ``log 2``."""
    m = (np.asarray(pd) + np.asarray(pg)) / 2
    return 0.5 * trapezoid(rel_entr(pd, m), x) + 0.5 * trapezoid(rel_entr(pg, m), x)
