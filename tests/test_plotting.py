"""The figure style: seaborn's theme without importing seaborn."""

import math
import subprocess
import sys

import matplotlib
from matplotlib import colors

from physlearn import plotting

matplotlib.use("Agg")


def same(a, b) -> bool:
    """rcParams values equal, colours however spelled."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b  # to the last bit: a size rounded differently moves anti-aliased pixels
    if hasattr(a, "by_key") and hasattr(b, "by_key"):  # cyclers
        ka, kb = a.by_key(), b.by_key()
        return ka.keys() == kb.keys() and all(len(ka[k]) == len(kb[k]) and all(map(same, ka[k], kb[k])) for k in ka)
    if (
        isinstance(a, str | tuple)
        and isinstance(b, str | tuple)
        and colors.is_color_like(a)
        and colors.is_color_like(b)
    ):
        return all(math.isclose(x, y, abs_tol=1e-12) for x, y in zip(colors.to_rgba(a), colors.to_rgba(b)))
    return a == b


def test_theme_is_seaborns():
    """Every rcParam that seaborn's set_theme(context="paper", style="ticks", font_scale=1.1)
    changes, ours sets to the same value, but the colormap only a seaborn import registers."""
    import matplotlib.pyplot as plt
    import seaborn as sns  # in the test extra: this comparison is the reason it is a dependency

    with plt.rc_context():
        plt.rcdefaults()
        defaults = dict(plt.rcParams)
        sns.set_theme(context="paper", style="ticks", font_scale=1.1)
        seaborns = {k: v for k, v in plt.rcParams.items() if not same(v, defaults[k])}
    seaborns.pop("image.cmap")
    assert len(seaborns) > 25  # the comparison compares something
    with plt.rc_context():
        plt.rcdefaults()
        plotting.style()
        ours = dict(plt.rcParams)
    wrong = {k: (v, ours[k]) for k, v in seaborns.items() if not same(v, ours[k])}
    assert not wrong


def test_a_wrong_value_is_caught():
    assert not same(4.8, 4.9)
    assert not same(".15", ".2")
    assert not same(10.560000000000002, 10.56)
    assert same((0.2980392156862745, 0.4470588235294118, 0.6901960784313725), "#4c72b0")


def test_figure_steps_do_not_import_seaborn():
    """The reason the theme is written out: a figure job should not pay for seaborn and
    scipy.stats (~1.3 s)."""
    code = "import sys, physlearn.plotting; print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
