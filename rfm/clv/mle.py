"""Maximum likelihood in log-parameter space, shared by every estimator of :mod:`rfm.clv`.

Every parameter of the customer-base models is positive, so the search runs over
``φ = log θ``: no bounds are needed to keep ``θ > 0``, and parameters of very different
sizes (``r = 0.24`` beside ``α = 4.4``) become comparable steps. Three stages:

1. **quasi-Newton** — L-BFGS-B on the mean negative log-likelihood with its analytic
   gradient, ``φ`` kept within ``±LOG_BOUND`` (``θ`` between about 1e-11 and 7e10) so
   that a model the data cannot pin down stops at a visible boundary instead of
   overflowing;
2. **Newton polish** — Newton steps with the Hessian from central differences of the
   analytic gradient and a backtracking line search, until the gradient is at rounding
   level. L-BFGS-B alone often stops early with "precision loss" (the complaint of
   lifetimes users); the polish makes the optimum exact to ~1e-10;
3. **standard errors** — the observed information ``I = -∂² log L / ∂θ²`` (the summed
   log-likelihood, so standard errors shrink as ``1/√n``), inverted: ``SE = √diag(I⁻¹)``.

The fit **converged** when the gradient is at rounding level, the Hessian is positive
definite (a maximum, not a saddle) and no parameter sits at the boundary. Otherwise a
:class:`ConvergenceWarning` says which test failed, ``converged_`` is ``False`` and the
parameters are the last iterate (finite, never NaN).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

__all__ = ["LOG_BOUND", "ConvergenceWarning", "MLEFit", "maximise"]

#: ``|log θ|`` at which a parameter counts as run off to 0 or infinity
LOG_BOUND = 25.0
#: ``|log θ|`` beyond which a parameter of a failed fit is named as drifting (1e-4, 1e4)
DRIFT = 9.2
#: largest ``|∂ mean log L / ∂ log θ|`` accepted at the optimum
GRADIENT_TOL = 1e-6
#: step of the central differences that give the Hessian (in log θ)
HESSIAN_STEP = 1e-5
#: Newton stops when its step would change no parameter by more than this, relatively
STEP_TOL = 1e-10

LogLikelihood = Callable[[np.ndarray], tuple[float, np.ndarray]]


class ConvergenceWarning(UserWarning):
    """A fit of :mod:`rfm.clv` did not reach a proper maximum (see the message)."""


@dataclass(frozen=True)
class MLEFit:
    """The result of :func:`maximise` (natural parameters)."""

    params: np.ndarray
    log_likelihood: float
    standard_errors: np.ndarray
    covariance: np.ndarray
    converged: bool
    message: str
    iterations: int


def _objective(fun: LogLikelihood, n: float) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Mean negative log-likelihood and its gradient in ``φ = log θ``."""

    def f(phi: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(phi)
        ll, grad = fun(theta)
        return -ll / n, -(theta * grad) / n

    return f


def _hessian(grad: Callable[[np.ndarray], np.ndarray], phi: np.ndarray) -> np.ndarray:
    """Symmetrised central-difference Jacobian of ``grad`` at ``phi``."""
    k = len(phi)
    H = np.empty((k, k))
    for i in range(k):
        step = np.zeros(k)
        step[i] = HESSIAN_STEP
        H[:, i] = (grad(phi + step) - grad(phi - step)) / (2 * HESSIAN_STEP)
    return (H + H.T) / 2


def _positive_definite(H: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.isfinite(H)))


def _newton(f: Callable, phi: np.ndarray, max_steps: int = 20
            ) -> tuple[np.ndarray, int, np.ndarray | None]:
    """Damped Newton steps from ``phi`` while the Hessian is positive definite, until a
    step would move no parameter by more than ``STEP_TOL`` (relative: ``φ = log θ``).

    Near the optimum the objective's changes fall below its rounding noise (a sum over
    many rows) while the gradient still shrinks quadratically, so a step is accepted
    when it decreases the objective enough (Armijo) or, within the noise, shrinks the
    gradient. Returns the last point, the steps taken and the Hessian there (``None``
    when the last step moved away from where it was computed).
    """
    value, g = f(phi)
    steps = 0
    H = None
    for steps in range(1, max_steps + 1):
        H = _hessian(lambda p: f(p)[1], phi)
        if not _positive_definite(H):
            break
        direction = -np.linalg.solve(H, g)
        if np.max(np.abs(direction)) < STEP_TOL:  # at the optimum to rounding level
            return phi, steps, H
        slope = float(np.dot(g, direction))
        noise = 1e-12 * (1.0 + abs(value))
        t = 1.0
        for _ in range(30):  # backtracking
            trial = np.clip(phi + t * direction, -LOG_BOUND, LOG_BOUND)
            new_value, new_g = f(trial)
            if np.isfinite(new_value) and (
                new_value <= value + 1e-4 * t * slope
                or (new_value <= value + noise and np.max(np.abs(new_g)) < np.max(np.abs(g)))
            ):
                break
            t /= 2
        else:
            break
        phi, value, g = trial, new_value, new_g
        H = None
    return phi, steps, H


def maximise(
    fun: LogLikelihood,
    start: np.ndarray,
    names: tuple[str, ...],
    n: float,
    *,
    model: str,
    max_iter: int = 1000,
) -> MLEFit:
    """Maximise the summed log-likelihood ``fun(θ) → (log L, ∂ log L/∂θ)``.

    Parameters
    ----------
    fun : callable
        Summed log-likelihood and its gradient at natural parameters ``θ``.
    start : array
        Starting ``θ`` (positive).
    names : tuple of str
        Parameter names, for messages.
    n : float
        Number of customers (the objective is the mean log-likelihood).
    model : str
        Model name, for messages.
    max_iter : int
        Iteration cap of the quasi-Newton stage.
    """
    f = _objective(fun, n)
    phi0 = np.clip(np.log(np.asarray(start, dtype=np.float64)), -LOG_BOUND, LOG_BOUND)
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(phi0)
    res = minimize(f, phi0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-10})
    phi, polish_steps, H = _newton(f, np.asarray(res.x, dtype=np.float64))
    value, g = f(phi)
    if H is None:
        H = _hessian(lambda p: f(p)[1], phi)
    theta = np.exp(phi)
    ll, grad_theta = fun(theta)

    problems = []
    at_bound = np.abs(phi) >= LOG_BOUND - 1e-3
    for i in np.flatnonzero(at_bound):
        direction = "0" if phi[i] < 0 else "infinity"
        problems.append(f"{names[i]} ran to {direction} ({names[i]} = {theta[i]:.3g})")
    if not at_bound.any():
        if not np.isfinite(value) or np.max(np.abs(g)) > GRADIENT_TOL:
            problems.append(f"the gradient is still {np.max(np.abs(g)):.2g} after "
                            f"{res.nit} iterations")
        elif not _positive_definite(H):
            problems.append("the log-likelihood is flat or curved upwards there (not a maximum)")

    # observed information in θ: -∂²ℓ/∂θ_i∂θ_j = (n H_ij + δ_ij θ_i ∂ℓ/∂θ_i) / (θ_i θ_j)
    info = (n * H + np.diag(theta * grad_theta)) / np.outer(theta, theta)
    try:
        covariance = np.linalg.inv(info) if _positive_definite(info) else None
    except np.linalg.LinAlgError:  # pragma: no cover - caught by the Cholesky test
        covariance = None
    if covariance is None:
        covariance = np.full((len(theta), len(theta)), np.nan)
        if not problems:
            problems.append("the observed information is not positive definite")
    standard_errors = np.sqrt(np.diag(covariance))
    converged = not problems
    drifting = [i for i in np.flatnonzero(np.abs(phi) > DRIFT) if not at_bound[i]]
    if problems and drifting:
        problems.append("heading for a boundary: " + ", ".join(
            f"{names[i]} → {'0' if phi[i] < 0 else '∞'} ({names[i]} = {theta[i]:.3g})"
            for i in drifting))
    message = "converged" if converged else "; ".join(problems)
    if not converged:
        warnings.warn(
            f"{model} fit did not converge: {message}. The parameters are the last iterate "
            "and their standard errors are unreliable (NaN when unknown); the data may not "
            "identify the model (too few customers, too few repeat purchases).",
            ConvergenceWarning,
            stacklevel=3,
        )
    return MLEFit(theta, float(ll), standard_errors, covariance, converged, message,
                  int(res.nit) + polish_steps)
