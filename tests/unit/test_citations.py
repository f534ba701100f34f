"""Citation references (canonical keys) and the citation retriever's scores and reasons."""

import numpy as np
import pytest
from marshmallow import ValidationError

from schemas.papers import PaperIn
from schemas.references import MAX_REFERENCES, canonical_reference
from services.recommender.citations import CitationLink, CitationModel
from services.recommender.hits import InterestRef


@pytest.mark.parametrize(("raw", "key"), [
    ("2401.01234", "arxiv:2401.01234"),
    ("arXiv:2401.01234v3", "arxiv:2401.01234"),
    ("https://arxiv.org/abs/2401.01234v2", "arxiv:2401.01234"),
    ("hep-th/9901001", "arxiv:hep-th/9901001"),
    ("math.GT/0309136v1", "arxiv:math.GT/0309136"),
    ("10.1145/3292500.3330919", "doi:10.1145/3292500.3330919"),
    ("doi:10.1000/ABC.Def", "doi:10.1000/abc.def"),
    ("https://doi.org/10.1000/xyz", "doi:10.1000/xyz"),
    ("10.48550/arXiv.2401.01234", "arxiv:2401.01234"),
])
def test_references_take_one_canonical_spelling(raw, key):
    assert canonical_reference(raw) == key


@pytest.mark.parametrize("raw", ["", "hello", "2401.1", "doi:11.1/x", "10.1/x", "x" * 300, "arXiv:"])
def test_other_strings_are_not_references(raw):
    with pytest.raises(ValueError):
        canonical_reference(raw)


def test_paper_schema_names_the_bad_reference_and_bounds_the_list():
    with pytest.raises(ValidationError) as bad:
        PaperIn().load({"id": "p", "title": "T", "references": ["2401.01234", "not a ref"]})
    assert bad.value.messages == {"references": {1: [bad.value.messages["references"][1][0]]}}
    with pytest.raises(ValidationError) as long:
        PaperIn().load({"id": "p", "title": "T", "references": ["2401.01234"] * (MAX_REFERENCES + 1)})
    assert "references" in long.value.messages
    assert PaperIn().load({"id": "p", "title": "T"})["references"] is None  # not sent: kept as stored
    assert PaperIn().load({"id": "p", "title": "T", "references": ["arXiv:2401.01234v2"]})["references"] == [
        "arxiv:2401.01234"]


# a cites x and y (co-citation of x, y); b cites y and the external work w, as does c (coupling of b, c);
# z is linked to nothing.
LINKS = [CitationLink("a", "k:x", "x"), CitationLink("a", "k:y", "y"), CitationLink("b", "k:y", "y"),
         CitationLink("b", "k:w"), CitationLink("c", "k:w")]
IDS = ["a", "b", "c", "x", "y", "z"]


def test_rows_are_unit_cosines_and_unlinked_papers_are_empty():
    model = CitationModel.fit(IDS, LINKS)
    norms = np.sqrt(np.asarray(model.rows.multiply(model.rows).sum(axis=1)).ravel())
    assert np.allclose(norms[:5], 1.0, atol=1e-5) and norms[5] == 0
    assert model.links == 5


def test_co_citation_coupling_and_direct_links_are_found_with_a_true_reason():
    model = CitationModel.fit(IDS, LINKS)
    hits = model.hits([{"paper_id": "x", "kind": "star", "title": "Paper X"}], k=10)
    found = [h.paper_id for h in hits]
    assert "y" in found and "a" in found  # co-cited with x; cites x
    assert "z" not in found and "x" not in found
    assert all(h.reason.paper_id == "x" and "Paper X" in h.reason.detail for h in hits)
    coupled = {h.paper_id for h in model.hits([{"paper_id": "b", "kind": "read"}], k=10)}
    assert "c" in coupled  # both cite w, which is not in the catalogue


def test_reason_names_the_profile_paper_the_hit_shares_most_with():
    model = CitationModel.fit(IDS, LINKS)
    hits = model.hits([{"paper_id": "x", "kind": "star"}, {"paper_id": "c", "kind": "star"}], k=10)
    by_id = {h.paper_id: h.reason.paper_id for h in hits}
    assert by_id["y"] == "x" and by_id["b"] == "c"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # each hit counts in the interest of the paper it names (none given: no interest)
    assert all(h.interest is None for h in hits)
    refs = {"x": InterestRef(0, 0.5), "c": InterestRef(1, 0.5)}
    tagged = {h.paper_id: h.interest for h in model.hits(
        [{"paper_id": "x", "kind": "star"}, {"paper_id": "c", "kind": "star"}], k=10, interest_of=refs)}
    assert tagged["y"] == refs["x"] and tagged["b"] == refs["c"]


def test_no_links_no_hits_and_round_trip(tmp_path):
    assert CitationModel.fit(IDS, []).hits([{"paper_id": "a", "kind": "star"}], 5) == []
    model = CitationModel.fit(IDS, LINKS)
    assert model.hits([{"paper_id": "z", "kind": "star"}], 5) == []
    model.save(tmp_path)
    again = CitationModel.load(tmp_path, IDS)
    assert (again.rows != model.rows).nnz == 0
    with pytest.raises(ValueError):
        CitationModel.load(tmp_path, list(reversed(IDS)))
    assert CitationModel.load(tmp_path / "nothing") is None
