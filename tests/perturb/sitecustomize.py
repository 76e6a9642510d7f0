"""Perturbation harness: a stand-in for "the same code on another CPU", used by the precision tests.

Put this folder on ``PYTHONPATH`` and set ``ANTT_PERTURB_SEED`` to an integer: every Python process
started with that environment (the runner, and the Jupyter kernels it starts, which inherit the
environment) imports this module at start-up (``site`` imports ``sitecustomize``), and the dense
linear-algebra routines below then return their floating-point outputs multiplied element-wise by
``1 + k * eps``, with ``k`` a random integer in [-4, 4] for each element, and ``eps`` the machine
epsilon of the output's dtype. ``k`` is a function of the seed, the routine and the call's inputs:
like BLAS on one machine, equal inputs give equal outputs (see ``_generator``). Without
``ANTT_PERTURB_SEED`` nothing happens.

Why this models another machine: OpenBLAS picks its kernels (and so the order in which it sums
products) from the CPU it runs on, so the same call gives results that differ in the last few
bits from one machine to another. Perturbing the outputs by a few ulps is that difference, made
reproducible and available on any machine, without touching any ``OPENBLAS_*`` variable.

What is wrapped (the routines the fits in ``antt.models`` go through; checked by tracing
``fit_its`` with sensitivity models and predictions, ``coverage_study``, ``trend_bias_study`` and
``power_table``):

* ``numpy.dot``: statsmodels' linear predictor and cross-products inside IRLS (BLAS gemv/gemm);
* ``numpy.linalg``: ``lstsq`` (statsmodels' IRLS/WLS steps), ``svd`` (statsmodels' ``pinv_extended``,
  i.e. the normalised covariance of GLM/WLS/OLS), ``solve`` (the variance step of
  ``antt.models.power``; its IRLS solves its small systems itself, vectorised, in ``_solve_normal``),
  ``inv`` (HAC sandwich), ``eigh`` (negative binomial Hessian check), ``norm`` (scipy's BFGS), and
  the rest of the public dense routines for completeness (``pinv``, ``qr``, ``cholesky``, ``eig*``,
  ``det``, ``slogdet`` (its sign is left alone), ``multi_dot``, ...);
* ``scipy.linalg``: the same family (``qr`` is used by statsmodels' rank check of discrete models).

Only the public names are replaced, so a public routine that calls another internally (``pinv``
calls ``svd``) is perturbed once, at the boundary the caller sees. Shapes, dtypes, result types
(named tuples such as ``SVDResult``) and integer outputs (``lstsq``'s rank) are unchanged; an exact
zero stays zero. Not wrapped: the ``@`` operator, ``ndarray.dot`` and the ufunc ``numpy.matmul``
(replacing a ufunc breaks identity checks in pandas; ``numpy.linalg.matmul`` is wrapped), and
numpy's own SIMD paths for ``exp``, ``log`` and sums (which also depend on the CPU: AVX-512
machines use other ``exp``/``log`` kernels). The written precision keeps a margin of several
digits for those (``antt.reporting.results``).

The perturbation is installed lazily by an import hook when ``numpy`` / ``scipy.linalg`` are first
imported, so processes that never import them pay nothing. ``ACTIVE`` tells whether it is on.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.util
import os
import sys

ENV = "ANTT_PERTURB_SEED"
K_MAX = 4  # a few ulps: the size of a different summation order in one dot product of modest length

NUMPY_LINALG = (
    "pinv",
    "svd",
    "svdvals",
    "lstsq",
    "solve",
    "inv",
    "tensorsolve",
    "tensorinv",
    "qr",
    "cholesky",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "det",
    "slogdet",
    "norm",
    "matrix_norm",
    "vector_norm",
    "cond",
    "multi_dot",
    "matmul",
    "matrix_power",
    "tensordot",
    "vecdot",
    "outer",
    "cross",
)
NUMPY_TOP = ("dot", "inner", "vdot")
SCIPY_LINALG = (
    "lstsq",
    "solve",
    "inv",
    "pinv",
    "pinvh",
    "svd",
    "svdvals",
    "qr",
    "rq",
    "cholesky",
    "cho_factor",
    "cho_solve",
    "lu_factor",
    "lu_solve",
    "solve_triangular",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "det",
    "solveh_banded",
    "solve_banded",
    "null_space",
    "orth",
)
# Outputs (by position) that are not computed values and must not change: slogdet's sign.
KEEP_POSITIONS = {"slogdet": (0,)}

ACTIVE = False
SEED: int | None = None
CALLS = 0  # wrapped calls so far in this process (tests read it to see the harness at work)


def _feed(digest, value) -> None:
    """Feed an argument's content to ``digest``: arrays by dtype, shape and bytes; containers item by item."""
    import numpy as np

    if isinstance(value, (list, tuple)):
        digest.update(b"(")
        for item in value:
            _feed(digest, item)
        digest.update(b")")
        return
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None), np.generic)):
        digest.update(repr(value).encode())
        return
    try:
        array = np.asarray(value)
    except Exception:
        array = None
    if array is None or array.dtype == object:
        digest.update(type(value).__qualname__.encode())
        return
    digest.update(f"{array.dtype.str}{array.shape}".encode())
    digest.update(np.ascontiguousarray(array).tobytes())


def _generator(name: str, args: tuple, kwargs: dict):
    """The random numbers of one call: a function of the seed, the routine and its inputs only.

    BLAS is deterministic on a given machine (the same inputs give the same bits, run after run and
    call after call); another machine is another deterministic function. So equal calls get equal
    perturbations here too: code that recomputes a value and compares it, or uses it as a key
    (matplotlib names SVG clip paths by a hash of their coordinates), sees what it would see on
    another machine, not noise that no real machine produces.
    """
    import numpy as np

    digest = hashlib.blake2b(digest_size=16, key=str(SEED).encode())
    digest.update(name.encode())
    _feed(digest, args)
    _feed(digest, sorted((k, v) for k, v in kwargs.items() if k != "out"))  # out= holds garbage before the call
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest.digest(), "little")))


def _perturb(value, rng):
    """``value`` with every inexact element multiplied by ``1 + k * eps``; other values unchanged."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fc" or value.size == 0:
            return value
        eps = np.finfo(value.dtype).eps
        k = rng.integers(-K_MAX, K_MAX + 1, size=value.shape)
        # np.multiply, not *, so that a np.matrix is scaled element-wise; 1 + k*eps is exact in binary.
        return np.multiply(value, (1.0 + k * eps).astype(value.real.dtype), dtype=value.dtype)
    if isinstance(value, np.inexact):
        eps = np.finfo(value.dtype).eps
        k = int(rng.integers(-K_MAX, K_MAX + 1))
        return type(value)(value * value.real.dtype.type(1.0 + k * eps))
    if isinstance(value, float):
        k = int(rng.integers(-K_MAX, K_MAX + 1))
        return value * (1.0 + k * sys.float_info.epsilon)
    if isinstance(value, tuple):
        items = [_perturb(v, rng) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return value


def _wrap(function, name: str):
    import numpy as np

    keep = KEEP_POSITIONS.get(name, ())

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        global CALLS
        rng = _generator(name, args, kwargs)  # before the call: out= may alias an input
        result = function(*args, **kwargs)
        CALLS += 1
        out = kwargs.get("out")
        if out is not None and result is out and isinstance(out, np.ndarray):
            out[...] = _perturb(out, rng)  # np.dot(a, b, out=c): the caller holds c, so change it in place
            return out
        if keep and isinstance(result, tuple):
            items = [v if i in keep else _perturb(v, rng) for i, v in enumerate(result)]
            return type(result)(*items) if hasattr(result, "_fields") else type(result)(items)
        return _perturb(result, rng)

    wrapper.__antt_perturbed__ = True
    return wrapper


def _patch(module, names) -> None:
    for name in names:
        function = getattr(module, name, None)
        if callable(function) and not getattr(function, "__antt_perturbed__", False):
            setattr(module, name, _wrap(function, name))


PATCHES = {
    "numpy": lambda m: _patch(m, NUMPY_TOP),
    "numpy.linalg": lambda m: _patch(m, NUMPY_LINALG),
    "scipy.linalg": lambda m: _patch(m, SCIPY_LINALG),
}


class _PatchingLoader(importlib.abc.Loader):
    """Delegates to the real loader, then replaces the public routines once the module has run."""

    def __init__(self, loader, patch):
        self._loader, self._patch = loader, patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._patch(module)

    def __getattr__(self, name):  # get_resource_reader, is_package, get_code, ...
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``numpy``, ``numpy.linalg`` and ``scipy.linalg`` with the other finders and wraps their loader."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _PatchingLoader(spec.loader, PATCHES[fullname])
                return spec
        return None


def install(seed: int) -> None:
    global ACTIVE, SEED
    SEED = int(seed)
    ACTIVE = True
    for name, patch in PATCHES.items():
        if name in sys.modules:  # imported before us (not normally possible: site runs first)
            patch(sys.modules[name])
    sys.meta_path.insert(0, _Finder())


def _chain_next_sitecustomize() -> None:
    """This file shadows any other ``sitecustomize`` on the path: run that one too, so putting this
    folder on PYTHONPATH changes nothing else (e.g. a distribution's own sitecustomize)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if os.path.abspath(entry or os.curdir) == here:
            continue
        candidate = os.path.join(entry or os.curdir, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_antt_next_sitecustomize", candidate)
            if spec and spec.loader:
                module = importlib.util.module_from_spec(spec)
                sys.modules[spec.name] = module
                spec.loader.exec_module(module)
            return


if os.environ.get(ENV, "").strip():
    install(int(os.environ[ENV]))
_chain_next_sitecustomize()
