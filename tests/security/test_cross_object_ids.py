"""Ids that exist but belong to another object than the URL's parent: answered as ids that do not exist.

parindex/permissions.py, rule 1: an object outside the user's scope is a 404, and so is an object that is
not under the assessment named in the URL, even for a role that may read both. Writes through such ids
change nothing.
"""

import pytest
from django.urls import reverse

from assessments.models import EvidenceFile, LeafScore, Node
from assessments.services import evidence as evidence_services
from tests.assessments.factories import fill, leaf, pdf
from tests.factories import RoundFactory, add_to_round, build_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units(officer_a, officer_b, assessment_a, assessment_b):
    fill(officer_a, assessment_a)
    fill(officer_b, assessment_b)
    evidence_services.evidence_upload(
        user=officer_b,
        assessment_id=assessment_b.pk,
        node_id=leaf(assessment_b, "1.2").pk,
        uploaded=pdf("bao-cao-rieng-stp.pdf", b"%PDF-1.4\n% unit B only\n%%EOF\n"),
    )
    own = EvidenceFile.objects.filter(assessment=assessment_a).first()
    other = EvidenceFile.objects.filter(assessment=assessment_b).order_by("-pk").first()
    return own, other


@pytest.fixture
def node_2020(department_group, unit_a):
    """A self leaf of another round's framework (same code, another id)."""
    rnd = RoundFactory(year=2020)
    build_framework(round=rnd, group=department_group)
    add_to_round(round=rnd, unit=unit_a)
    return Node.objects.get(framework__round=rnd, code="1.1.1")


def _links(assessment) -> dict[int, list[int]]:
    return {
        s.node_id: sorted(s.evidence.values_list("pk", flat=True))
        for s in LeafScore.objects.filter(assessment=assessment)
    }


@pytest.mark.parametrize("persona", ["officer_a", "appraiser", "leader", "admin_user"])
@pytest.mark.parametrize("name", ["assessments:evidence_view", "assessments:evidence_download"])
def test_another_units_evidence_id_under_ones_own_assessment_is_404(
    persona, name, request, client_for, assessment_a, two_units
):
    own, other = two_units
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse(name, args=[assessment_a.pk, own.pk])).status_code == 200  # the control
    response = client.get(reverse(name, args=[assessment_a.pk, other.pk]))
    assert response.status_code == 404
    assert b"unit B only" not in response.content and "bao-cao-rieng-stp" not in response.get("Content-Disposition", "")


def test_linking_another_units_file_is_answered_like_a_file_that_does_not_exist(
    client_for, officer_a, assessment_a, two_units
):
    own, other = two_units
    client = client_for(officer_a)
    url = reverse("assessments:evidence_link", args=[assessment_a.pk, leaf(assessment_a, "1.1.1").pk])
    before = _links(assessment_a)
    missing = client.post(url, {"evidence": other.pk + 1000}, HTTP_HX_REQUEST="true")
    foreign = client.post(url, {"evidence": other.pk}, HTTP_HX_REQUEST="true")
    assert foreign.status_code == missing.status_code
    assert "bao-cao-rieng-stp" not in foreign.content.decode()
    assert _links(assessment_a) == before
    assert client.post(url, {"evidence": own.pk}, HTTP_HX_REQUEST="true").status_code == 200  # the control
    assert own.pk in _links(assessment_a)[leaf(assessment_a, "1.1.1").pk]


def test_unlinking_another_units_file_through_ones_own_assessment_changes_nothing(
    client_for, officer_a, assessment_a, assessment_b, two_units
):
    _own, other = two_units
    before_a, before_b = _links(assessment_a), _links(assessment_b)
    url = reverse("assessments:evidence_unlink", args=[assessment_a.pk, leaf(assessment_a, "1.2").pk, other.pk])
    client_for(officer_a).post(url)
    assert _links(assessment_a) == before_a and _links(assessment_b) == before_b


@pytest.mark.parametrize(
    ("name", "persona", "method"),
    [
        ("assessments:leaf_self", "officer_a", "post"),
        ("assessments:leaf_appraisal", "appraiser", "post"),
        ("assessments:leaf_history", "appraiser", "get"),
        ("assessments:evidence_upload", "officer_a", "post"),
        ("assessments:evidence_link", "officer_a", "post"),
    ],
)
def test_a_leaf_of_another_rounds_framework_under_this_assessment_is_404(
    name, persona, method, request, client_for, assessment_a, node_2020
):
    """Another framework's node id (another assessment's score lives on it) is not a leaf of this assessment."""
    client = client_for(request.getfixturevalue(persona))
    before = LeafScore.objects.count(), EvidenceFile.objects.count()
    url = reverse(name, args=[assessment_a.pk, node_2020.pk])
    response = client.get(url) if method == "get" else client.post(url, {"file": pdf("x.pdf"), "evidence": 1})
    assert response.status_code == 404
    assert (LeafScore.objects.count(), EvidenceFile.objects.count()) == before


def test_another_units_assessment_with_ones_own_leaf_id_is_404(client_for, officer_a, assessment_a, assessment_b):
    """Unit A's officer names unit B's assessment and a leaf id that exists there too: scope first, 404."""
    node = leaf(assessment_b, "1.1.1")
    client = client_for(officer_a)
    for name in ("assessments:leaf_self", "assessments:evidence_upload", "assessments:evidence_link"):
        assert client.post(reverse(name, args=[assessment_b.pk, node.pk]), {}).status_code == 404, name
    assert client.get(reverse("assessments:leaf_history", args=[assessment_b.pk, node.pk])).status_code == 404


def test_another_units_result_is_404_for_an_officer_on_every_result_page(client_for, officer_a, unit_b, round_2021):
    client = client_for(officer_a)
    for url in (
        reverse("dashboard:unit", args=[round_2021.year, unit_b.pk]),
        reverse("surveys:unit_results", args=[round_2021.year, unit_b.code]),
    ):
        assert client.get(url).status_code == 404, url
