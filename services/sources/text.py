"""Quality gates shared by every source: readable text and the catalogue's category labels.

- ``clean_text``: HTML entities decoded (``&amp;`` → ``&``, twice-escaped ones too), tags dropped,
  whitespace (arXiv hard-wraps titles and abstracts) collapsed;
- ``readable_latex``: inline math left readable as plain text: ``$\\alpha$-stable`` → ``α-stable``,
  ``$O(n^{2})$`` → ``O(n^2)``, ``\\textbf{x}`` → ``x``. Anything unknown is kept, never dropped;
- ``map_categories``: arXiv's category terms onto the catalogue's labels: the canonical name of an
  alias (``math.IT`` → ``cs.IT``), configured renames, and no ACM/MSC class codes (``I.2.6``, ``68T05``)
  that the Atom feed lists among the categories.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_STOP = re.compile(r" ([.,;:!?)])")

# Canonical arXiv categories of the aliases arXiv keeps (arXiv category taxonomy).
CATEGORY_ALIASES = {
    "math.IT": "cs.IT", "math.NA": "cs.NA", "cs.SY": "eess.SY", "math.MP": "math-ph", "stat.TH": "math.ST",
    "q-fin.EC": "econ.GN",
}
_ARXIV_CATEGORY = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "approx": "≈", "sim": "~",
    "times": "×", "cdot": "·", "pm": "±", "to": "→", "rightarrow": "→", "leftarrow": "←", "infty": "∞",
    "in": "∈", "subset": "⊂", "subseteq": "⊆", "ell": "ℓ", "partial": "∂", "nabla": "∇", "sum": "Σ",
    "prod": "Π", "sqrt": "√", "log": "log", "exp": "exp", "ldots": "…", "dots": "…", "cdots": "…",
    "%": "%", "&": "&", "_": "_", "#": "#", "$": "$",
}
# Commands whose argument is the text: \textbf{x}, \mathcal{O}, \emph{x} → x.
_WRAPPERS = re.compile(r"\\(?:text(?:bf|it|tt|rm|sf|sc)?|math(?:rm|bf|cal|bb|it|sf|tt|frak)|emph|boldsymbol|"
                       r"operatorname|bm|mbox|textsc|underline)\s*\{([^{}]*)\}")
_GROUPED_SCRIPT = re.compile(r"([_^])\{([^{}]{1,40})\}")
_COMMAND = re.compile(r"\\([A-Za-z]+|[%&_#$])")
# $...$ with no space just inside either dollar (TeX practice; "$5 and $6" is money, not math).
_INLINE_MATH = re.compile(r"(?<!\\)\$(?=\S)([^$]{1,300}?)(?<=[^\s\\])\$")


def clean_text(value: str | None) -> str:
    """Entities decoded, tags removed, whitespace collapsed to single spaces."""
    if not value:
        return ""
    text = html.unescape(html.unescape(value))  # some feeds escape twice (&amp;lt;)
    text = _TAG.sub(" ", text)
    return _SPACE_BEFORE_STOP.sub(r"\1", _SPACE.sub(" ", text)).strip()


def readable_latex(text: str) -> str:
    """Inline LaTeX made readable as plain text (see the module docstring); other text unchanged."""
    if "\\" not in text and "$" not in text:
        return text
    text = _INLINE_MATH.sub(lambda m: _math(m.group(1)), text)
    return _commands(text)


def _math(body: str) -> str:
    body = _commands(body)
    body = _GROUPED_SCRIPT.sub(lambda m: m.group(1) + m.group(2), body)
    return body.replace("{", "").replace("}", "").strip()


def _commands(text: str) -> str:
    for _ in range(3):  # nested wrappers: \mathbf{\mathcal{X}}
        text, n = _WRAPPERS.subn(r"\1", text)
        if not n:
            break
    return _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), text)


def normalise_text(value: str | None) -> str:
    """``clean_text`` then ``readable_latex``: what a title or an abstract is stored as."""
    return readable_latex(clean_text(value))


def map_categories(terms: Iterable[str], labels: Mapping[str, str] | None = None) -> list[str]:
    """arXiv category terms → the catalogue's labels, in order, without duplicates or class codes."""
    out: list[str] = []
    for term in terms:
        term = (term or "").strip()
        if labels and term in labels:
            label = labels[term]
        elif _ARXIV_CATEGORY.match(term):
            label = CATEGORY_ALIASES.get(term, term)
        else:
            continue
        if label and label not in out:
            out.append(label)
    return out
