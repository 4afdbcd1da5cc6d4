"""Model matrices, implied moments and their derivatives (LISREL all-y / RAM for CFA).

For each group the parameter table fills

* ``Lambda`` (p x m) loadings of observed on latent variables,
* ``Beta`` (m x m) latent-on-latent paths (second-order loadings ``g =~ f`` and ``f ~ g``),
* ``Psi`` (m x m) latent (residual) covariances, ``Theta`` (p x p) residual covariances,
* ``nu`` (p) intercepts, ``alpha`` (m) latent means,
* ``tau`` thresholds and ``delta`` (p) scaling factors of ordered variables.

With ``A = (I - Beta)^-1`` the implied moments are (lavaan's ``computeSigmaHat`` /
``computeMuHat``)::

    Sigma = Lambda A Psi A' Lambda' + Theta        mu = nu + Lambda A alpha

For ordered variables in the delta parameterization (lavaan's default) the residual
variance of y* is not free: ``Theta_jj = 1/delta_j^2 - (Lambda A Psi A' Lambda')_jj`` so
that ``delta`` scales y* to unit... see :meth:`GroupModel.implied`. In the theta
parameterization the residual variances are parameters and the scaling factors are
computed, ``delta_j = Sigma0_jj^(-1/2)`` with ``Sigma0 = Lambda A Psi A' Lambda' + Theta``.
Derivatives are analytic (one rank-2 update per free parameter), the same quantities as
lavaan's ``computeDelta``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lospw.analysis.cfa.partable import ParTable

__all__ = ["GroupModel", "Implied", "Model"]

# matrix codes
LAM, BETA, PSI, THETA, NU, ALPHA, TAU, DELTA = range(8)


@dataclass(frozen=True)
class Implied:
    """Implied moments of one group (and the pieces the derivatives need)."""

    sigma: np.ndarray          # p x p (for ordered variables: correlations of y*)
    mu: np.ndarray             # p
    th: np.ndarray             # implied thresholds, model order (empty without ordered)
    lam_a: np.ndarray          # Lambda A (p x m)
    veta: np.ndarray           # A Psi A' (m x m): total latent covariance
    a_alpha: np.ndarray        # A alpha (m)
    delta: np.ndarray          # scaling factors (p): parameters (delta) or computed (theta)


class GroupModel:
    """Where each parameter-table row of one group lives in the matrices."""

    def __init__(self, pt: ParTable, g: int) -> None:
        t = pt.table
        self.ov, self.lv = list(pt.ov_names), list(pt.lv_names)
        self.p, self.m = len(self.ov), len(self.lv)
        oi = {v: i for i, v in enumerate(self.ov)}
        li = {v: i for i, v in enumerate(self.lv)}
        rows = np.flatnonzero(t["group"].to_numpy() == g)
        self.rows = rows
        self.ordered = [v for v in self.ov if v in pt.ordered]
        self.theta_param = pt.parameterization == "theta"
        self.ord_idx = np.array([oi[v] for v in self.ordered], dtype=int)
        # thresholds: order of the table rows (variable by variable, t1, t2, ...)
        # the columns as lists: one pandas lookup per column, not per row (start-up of a fit)
        lhs_of, op_of, rhs_of = t["lhs"].tolist(), t["op"].tolist(), t["rhs"].tolist()
        th_rows = [r for r in rows if op_of[r] == "|"]
        th_rows.sort(key=lambda r: (oi[lhs_of[r]], int(rhs_of[r][1:])))
        self.th_rows = th_rows
        self.th_var = np.array([oi[lhs_of[r]] for r in th_rows], dtype=int)
        th_pos = {r: k for k, r in enumerate(th_rows)}
        mat, ri, ci = [], [], []
        for r in rows:
            lhs, op, rhs = lhs_of[r], op_of[r], rhs_of[r]
            if op == "=~":
                if rhs in li:
                    mat.append(BETA)
                    ri.append(li[rhs])
                    ci.append(li[lhs])
                else:
                    mat.append(LAM)
                    ri.append(oi[rhs])
                    ci.append(li[lhs])
            elif op == "~":
                mat.append(BETA)
                ri.append(li[lhs])
                ci.append(li[rhs])
            elif op == "~~":
                if lhs in li:
                    mat.append(PSI)
                    ri.append(li[lhs])
                    ci.append(li[rhs])
                else:
                    mat.append(THETA)
                    ri.append(oi[lhs])
                    ci.append(oi[rhs])
            elif op == "~1":
                if lhs in li:
                    mat.append(ALPHA)
                    ri.append(li[lhs])
                else:
                    mat.append(NU)
                    ri.append(oi[lhs])
                ci.append(0)
            elif op == "|":
                mat.append(TAU)
                ri.append(th_pos[r])
                ci.append(0)
            elif op == "~*~":
                mat.append(DELTA)
                ri.append(oi[lhs])
                ci.append(0)
            else:  # pragma: no cover - the table holds no other operators
                raise ValueError(op)
        self.mat = np.array(mat, dtype=int)
        self.ri = np.array(ri, dtype=int)
        self.ci = np.array(ci, dtype=int)
        # theta diagonal of ordered variables is computed (delta parameterization)
        ordered_set = set(self.ord_idx.tolist())
        self.theta_ord_rows = np.array(
            [k for k in range(len(rows)) if self.mat[k] == THETA and self.ri[k] == self.ci[k]
             and self.ri[k] in ordered_set and not self.theta_param],
            dtype=int)

    def matrices(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """Fill the matrices from the values of this group's rows."""
        p, m = self.p, self.m
        M = {"lambda": np.zeros((p, m)), "beta": np.zeros((m, m)), "psi": np.zeros((m, m)),
             "theta": np.zeros((p, p)), "nu": np.zeros(p), "alpha": np.zeros(m),
             "tau": np.zeros(len(self.th_rows)), "delta": np.ones(p)}
        for code, name in ((LAM, "lambda"), (BETA, "beta")):
            k = self.mat == code
            M[name][self.ri[k], self.ci[k]] = values[k]
        for code, name in ((PSI, "psi"), (THETA, "theta")):
            k = self.mat == code
            M[name][self.ri[k], self.ci[k]] = values[k]
            M[name][self.ci[k], self.ri[k]] = values[k]
        for code, name in ((NU, "nu"), (ALPHA, "alpha"), (TAU, "tau"), (DELTA, "delta")):
            k = self.mat == code
            M[name][self.ri[k]] = values[k]
        return M

    def implied(self, M: dict[str, np.ndarray]) -> Implied:
        """Implied moments; for ordered variables the delta or theta parameterization.

        For ordered y* (lavaan ``parameterization = "delta"``): ``Theta_jj`` is set to
        ``1/delta_j^2 - (Lambda A Psi A' Lambda')_jj``, Sigma is rescaled by
        ``diag(delta)``, and the implied thresholds are ``delta_j (tau - mu_j)``. With
        ``"theta"``, ``Theta_jj`` is the parameter and ``delta_j = Sigma0_jj^(-1/2)``.
        """
        m = self.m
        A = np.linalg.inv(np.eye(m) - M["beta"]) if M["beta"].any() else np.eye(m)
        lam_a = M["lambda"] @ A
        veta = A @ M["psi"] @ A.T
        a_alpha = A @ M["alpha"]
        theta = M["theta"]
        common = M["lambda"] @ veta @ M["lambda"].T
        delta = M["delta"]
        if len(self.ord_idx) and not self.theta_param:
            theta = theta.copy()
            d = delta[self.ord_idx]
            theta[self.ord_idx, self.ord_idx] = 1.0 / d**2 - common[self.ord_idx, self.ord_idx]
        sigma = common + theta
        mu = M["nu"] + M["lambda"] @ a_alpha
        th = np.zeros(0)
        if len(self.ord_idx):
            if self.theta_param:
                delta = np.ones(self.p)
                with np.errstate(divide="ignore", invalid="ignore"):
                    delta[self.ord_idx] = 1.0 / np.sqrt(np.diag(sigma)[self.ord_idx])
            sigma = sigma * np.outer(delta, delta)
            th = (M["tau"] - mu[self.th_var]) * delta[self.th_var]
            mu = mu * delta
        return Implied(sigma, mu, th, lam_a, veta, a_alpha, delta)

    def derivatives(self, M: dict[str, np.ndarray], imp: Implied,
                    rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """dSigma (K x p x p), dmu (K x p), dth (K x nth) for the local rows ``rows``.

        Columns follow ``rows`` (indices into this group's rows). Continuous variables only
        use dSigma and dmu; with ordered variables dSigma is the derivative of the
        off-diagonal y* correlations (the diagonal is fixed at 1 by construction).
        """
        p, K = self.p, len(rows)
        dS = np.zeros((K, p, p))
        dmu = np.zeros((K, p))
        dth = np.zeros((K, len(self.th_rows)))
        lam_a, veta, a_alpha = imp.lam_a, imp.veta, imp.a_alpha
        lm = M["lambda"] @ veta    # Lambda A Psi A' = Cov(y, eta)
        for k, r in enumerate(rows):
            code, i, j = self.mat[r], self.ri[r], self.ci[r]
            if code == LAM:      # y_i on eta_j
                u = lm[:, j]
                dS[k, i, :] += u
                dS[k, :, i] += u
                dmu[k, i] = a_alpha[j]
            elif code == BETA:   # eta_i on eta_j
                u, v = lam_a[:, i], lm[:, j]
                dS[k] = np.outer(u, v) + np.outer(v, u)
                dmu[k] = u * a_alpha[j]
            elif code == PSI:
                u, v = lam_a[:, i], lam_a[:, j]
                dS[k] = np.outer(u, v)
                if i != j:
                    dS[k] += np.outer(v, u)
            elif code == THETA:
                dS[k, i, j] = 1.0
                dS[k, j, i] = 1.0
            elif code == NU:
                dmu[k, i] = 1.0
            elif code == ALPHA:
                dmu[k] = lam_a[:, i]
        if len(self.ord_idx):
            dS, dmu, dth = self._ordered_derivatives(M, imp, rows, dS, dmu, dth)
        return dS, dmu, dth

    def _ordered_derivatives(self, M, imp, rows, dS, dmu, dth):
        """Chain rule through the delta scaling (thresholds, scaled Sigma and mu)."""
        if self.theta_param:
            return self._theta_derivatives(M, imp, rows, dS, dmu, dth)
        delta = M["delta"]
        # unscaled implied mean (before the delta scaling)
        mu0 = M["nu"] + M["lambda"] @ imp.a_alpha
        D = np.outer(delta, delta)
        oidx = self.ord_idx
        ordered_set = set(oidx.tolist())
        for k, r in enumerate(rows):
            code, i = self.mat[r], self.ri[r]
            if code == THETA and self.ri[r] == self.ci[r] and i in ordered_set:
                dS[k] = 0.0      # computed, not free
                continue
            dS_k = dS[k].copy()
            dS_k[oidx, oidx] = 0.0      # diag of ordered y* is pinned by theta
            dmu_k = dmu[k].copy()
            dS[k] = dS_k * D
            dth[k] = -dmu_k[self.th_var] * delta[self.th_var]
            dmu[k] = dmu_k * delta
            if code == TAU:
                dth[k, i] += delta[self.th_var[i]]
            elif code == DELTA:
                # d/d delta_i of delta_a delta_b Sigma0_ab (off-diagonal), of the thresholds
                sig0 = imp.sigma / D
                e = np.zeros(self.p)
                e[i] = 1.0
                dS[k] = (np.outer(e, delta) + np.outer(delta, e)) * sig0
                np.fill_diagonal(dS[k], 0.0)
                sel = self.th_var == i
                dth[k, sel] = M["tau"][sel] - mu0[i]
                dmu[k] = e * mu0
        return dS, dmu, dth

    def _theta_derivatives(self, M, imp, rows, dS, dmu, dth):
        """Chain rule through the computed scaling ``delta_j = Sigma0_jj^(-1/2)`` (theta)::

            d delta_j = -delta_j^3 dSigma0_jj / 2
            dSigma_ab = delta_a delta_b dSigma0_ab + Sigma0_ab (ddelta_a delta_b
                        + delta_a ddelta_b)
            dth_t     = (dtau_t - dmu0_j) delta_j + (tau_t - mu0_j) ddelta_j
        """
        delta = imp.delta
        D = np.outer(delta, delta)
        sig0 = imp.sigma / D
        mu0 = M["nu"] + M["lambda"] @ imp.a_alpha
        oidx = self.ord_idx
        tv = self.th_var
        for k, r in enumerate(rows):
            dd = np.zeros(self.p)
            dd[oidx] = -0.5 * delta[oidx] ** 3 * dS[k][oidx, oidx]
            dS_k = dS[k] * D + sig0 * (np.outer(dd, delta) + np.outer(delta, dd))
            dS_k[oidx, oidx] = 0.0      # the diagonal of ordered y* is 1 by construction
            dS[k] = dS_k
            dtau = np.zeros(len(tv))
            if self.mat[r] == TAU:
                dtau[self.ri[r]] = 1.0
            dth[k] = (dtau - dmu[k][tv]) * delta[tv] + (M["tau"] - mu0[tv]) * dd[tv]
            dmu[k] = dmu[k] * delta + mu0 * dd
        return dS, dmu, dth


class Model:
    """The whole model: one :class:`GroupModel` per group over a shared parameter vector."""

    def __init__(self, pt: ParTable) -> None:
        self.pt = pt
        t = pt.table
        self.groups = [GroupModel(pt, g) for g in range(1, pt.ngroups + 1)]
        self.x_of_row = t["x"].to_numpy()
        self.ustart = t["ustart"].to_numpy(dtype=float)
        self.nx = pt.nx

    def row_values(self, x: np.ndarray, fixed: np.ndarray | None = None) -> np.ndarray:
        """Value of every table row: ``x`` for free rows, the fixed value otherwise."""
        vals = np.where(np.isnan(self.ustart), 0.0, self.ustart) if fixed is None \
            else fixed.copy()
        free = self.x_of_row >= 0
        vals[free] = x[self.x_of_row[free]]
        return vals

    def group_state(self, x: np.ndarray) -> list[tuple[dict, Implied]]:
        vals = self.row_values(x)
        out = []
        for gm in self.groups:
            M = gm.matrices(vals[gm.rows])
            out.append((M, gm.implied(M)))
        return out

    def jacobians(self, states: list[tuple[dict, Implied]]
                  ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per group: dSigma (nx x p x p), dmu (nx x p), dth (nx x nth) w.r.t. ``x``."""
        out = []
        for gm, (M, imp) in zip(self.groups, states, strict=True):
            xr = self.x_of_row[gm.rows]
            local = np.flatnonzero(xr >= 0)
            dS, dmu, dth = gm.derivatives(M, imp, local)
            JS = np.zeros((self.nx, gm.p, gm.p))
            Jm = np.zeros((self.nx, gm.p))
            Jt = np.zeros((self.nx, len(gm.th_rows)))
            np.add.at(JS, xr[local], dS)
            np.add.at(Jm, xr[local], dmu)
            np.add.at(Jt, xr[local], dth)
            out.append((JS, Jm, Jt))
        return out

    def local_jacobian(self, gi: int, state: tuple[dict, Implied]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Group ``gi``'s derivatives w.r.t. the entries of ``x`` it uses.

        Returns ``(ux, dSigma, dmu, dth)``: the sorted entries of ``x`` that occur in the
        group, and the derivatives w.r.t. them (``len(ux) x p x p``, ``len(ux) x p``,
        ``len(ux) x nth``).
        """
        gm = self.groups[gi]
        M, imp = state
        xr = self.x_of_row[gm.rows]
        local = np.flatnonzero(xr >= 0)
        ux, pos = np.unique(xr[local], return_inverse=True)
        dS, dmu, dth = gm.derivatives(M, imp, local)
        if len(ux) == len(local):
            order = np.argsort(pos)
            return ux, dS[order], dmu[order], dth[order]
        JS = np.zeros((len(ux), *dS.shape[1:]))
        Jm = np.zeros((len(ux), dmu.shape[1]))
        Jt = np.zeros((len(ux), dth.shape[1]))
        np.add.at(JS, pos, dS)
        np.add.at(Jm, pos, dmu)
        np.add.at(Jt, pos, dth)
        return ux, JS, Jm, Jt

    def moment_gradient(self, states: list[tuple[dict, Implied]],
                        grads: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """``dF/dx`` from each group's ``dF/dSigma`` (symmetric ``G``, ``dF = tr(G dSigma)``)
        and ``dF/dmu``, by the matrix chain rule (continuous variables only)::

            dF/dLambda = 2 G Lambda V + g_mu a'       dF/dPsi = L' G L      dF/dTheta = G
            dF/dB = 2 L' G Lambda V + L' g_mu a'     dF/dnu = g_mu         dF/dalpha = L' g_mu

        with ``L = Lambda A``, ``V = A Psi A'``, ``a = A alpha``; symmetric off-diagonal
        parameters count twice. This is ``Delta' (dF/dSigma, dF/dmu)`` without forming Delta.
        """
        out = np.zeros(self.nx)
        for gm, (M, imp), (G, gmu) in zip(self.groups, states, grads, strict=True):
            lam, L, V, a = M["lambda"], imp.lam_a, imp.veta, imp.a_alpha
            GLV = G @ lam @ V
            LtG = L.T @ G
            Ltg = L.T @ gmu
            mats = {LAM: 2 * GLV + np.outer(gmu, a), PSI: LtG @ L, THETA: G,
                    BETA: 2 * LtG @ lam @ V + np.outer(Ltg, a)}
            vec = {NU: gmu, ALPHA: Ltg}
            xr = self.x_of_row[gm.rows]
            vals = np.zeros(len(gm.rows))
            for code, mat in mats.items():
                k = gm.mat == code
                v = mat[gm.ri[k], gm.ci[k]]
                if code in (PSI, THETA):
                    v = np.where(gm.ri[k] != gm.ci[k], 2 * v, v)
                vals[k] = v
            for code, v in vec.items():
                k = gm.mat == code
                vals[k] = v[gm.ri[k]]
            free = xr >= 0
            out += np.bincount(xr[free], weights=vals[free], minlength=self.nx)
        return out
