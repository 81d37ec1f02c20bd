"""The figure style: seaborn's theme without importing seaborn."""

import math
import subprocess
import sys

import matplotlib
from matplotlib import colors

from physlearn import plotting  # sets the Agg backend


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


def test_colour_codes_are_seaborns():
    """seaborn's theme also renames the one-letter colours ("k" becomes a 0.1 grey); ours too."""
    import seaborn as sns

    try:
        sns.set_theme(context="paper", style="ticks", font_scale=1.1)
        seaborns = {code: colors.to_rgb(code) for code in "bgrmyck"}
        sns.set_color_codes("reset")
        assert colors.to_rgb("k") == (0.0, 0.0, 0.0)  # the reset worked: the comparison can fail
        plotting.style()
        assert {code: colors.to_rgb(code) for code in "bgrmyck"} == seaborns
    finally:
        sns.set_color_codes("reset")
        matplotlib.rcdefaults()


RENDER = """
import hashlib, io, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
if sys.argv[1] == "seaborn":
    import seaborn as sns
    sns.set_theme(context="paper", style="ticks", font_scale=1.1)
    plt.rcParams.update({"savefig.bbox": "tight", "figure.dpi": 100, "savefig.dpi": 200})
else:
    from physlearn import plotting
    plotting.style()
fig, axes = plt.subplots(1, 2, figsize=(8, 3))
x = np.linspace(0, 3, 40)
for i in range(4):
    axes[0].plot(x, np.sin(x + i), marker="o", label=f"curve {i}")
axes[0].plot(x, x / 3, color="k", ls="--")
axes[0].legend(title="legend")
axes[0].set(title="title", xlabel="x (units)", ylabel="y")
axes[0].grid(True)
axes[1].bar(range(5), range(5), color="b")
axes[1].scatter(x, x, marker="x", color="k")
axes[1].scatter([1.0], [2.0], marker="+", s=60, color="r")
axes[1].text(0.5, 3.0, "text")
buf = io.BytesIO()
fig.savefig(buf, format="png")
print(hashlib.sha256(buf.getvalue()).hexdigest())
"""


def test_a_figure_renders_the_same_under_seaborns_theme_and_ours():
    def render(theme: str) -> str:
        done = subprocess.run([sys.executable, "-c", RENDER, theme], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    assert render("seaborn") == render("ours")


def test_figure_steps_do_not_import_seaborn():
    """The reason the theme is written out: a figure job should not pay for seaborn and
    scipy.stats (~1 s)."""
    code = "import sys, physlearn.plotting; print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
