"""`fast_convolution` against e3nn's own tensor product: random SevenNet-shaped convolutions (any multiplicities,
feature and harmonic degrees, parities, edges or none), their values and their first and second derivatives."""

import pytest
import torch
from e3nn import o3
from hypothesis import assume, given, settings, strategies as st

pytest.importorskip("sevenn")


@settings(max_examples=60, deadline=None)
@given(muls=st.lists(st.integers(1, 4), min_size=1, max_size=4), lmax_filter=st.integers(0, 3),
       lmax_out=st.integers(0, 3), parity=st.booleans(), n_atoms=st.integers(1, 5), n_edges=st.integers(0, 12),
       seed=st.integers(0, 2**16))
def test_fast_convolution_matches_e3nn(muls, lmax_filter, lmax_out, parity, n_atoms, n_edges, seed):
    import sevenn._keys as KEY
    from sevenn.nn.convolution import IrrepsConvolution

    from tensor_nb.backbone import _building, fast_convolution

    sign = (lambda l: "o" if parity and l % 2 else "e")  # noqa: E731
    irreps_x = o3.Irreps("+".join(f"{m}x{l}{sign(l)}" for l, m in enumerate(muls)))
    irreps_filter = o3.Irreps.spherical_harmonics(lmax_filter, p=-1 if parity else 1)
    irreps_out = o3.Irreps("+".join(f"1x{l}{p}" for l in range(lmax_out + 1) for p in "eo"))
    built = []
    for _ in range(2):  # the same radial network twice (sevenn's activation cannot be deep-copied)
        torch.manual_seed(seed)
        with _building(torch.float64):
            built.append(IrrepsConvolution(irreps_x, irreps_filter, irreps_out, [3, 8], lazy_layer_instantiate=False))
    plain, fast = built
    assume(plain.convolution.instructions)  # every path above lmax_out: SevenNet builds no such block
    fast_convolution(fast, torch.float64)

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_atoms, irreps_x.dim, generator=g, dtype=torch.float64, requires_grad=True)
    Y = torch.randn(n_edges, irreps_filter.dim, generator=g, dtype=torch.float64, requires_grad=True)
    radial = torch.randn(n_edges, 3, generator=g, dtype=torch.float64)
    edges = torch.randint(0, n_atoms, (2, n_edges), generator=g)
    probe = torch.randn(n_atoms, plain.convolution.irreps_out.dim, generator=g, dtype=torch.float64)

    def run(conv):
        data = {KEY.NODE_FEATURE: x, KEY.EDGE_ATTR: Y, KEY.EDGE_EMBEDDING: radial, KEY.EDGE_IDX: edges}
        out = conv(data)[KEY.NODE_FEATURE]
        gx, gY = torch.autograd.grad((out * probe).sum(), (x, Y), create_graph=True)
        (second,) = torch.autograd.grad(gx.square().sum() + gY.sum(), Y, allow_unused=True, materialize_grads=True)
        return out, gx, gY, second

    for a, b in zip(run(fast), run(plain)):
        assert a.shape == b.shape
        scale = float(b.abs().max()) if b.numel() else 0.0
        assert torch.allclose(a, b, rtol=1e-6, atol=1e-6 * max(1.0, scale))
