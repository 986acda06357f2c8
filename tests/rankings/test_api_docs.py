"""The API's documentation page: every endpoint of the schema, with its parameters and fields, linked from every page."""

from django.urls import reverse


def test_api_docs_list_every_endpoint_with_its_parameters_and_fields(client, db):
    html = client.get(reverse("api:docs")).content.decode()
    for path in (
        "/api/rounds/",
        "/api/groups/",
        "/api/units/",
        "/api/rounds/{year}/results/",
        "/api/rounds/{year}/results/{unit}/",
    ):
        assert f"GET {path}" in html
    assert "<code>year</code>" in html and "<code>unit</code>" in html
    assert "<code>index_pct</code>" in html  # a field of the results
    assert reverse("api:schema") in html


def test_every_page_links_to_the_api_docs(client_for, leader):
    html = client_for(leader).get(reverse("home")).content.decode()
    assert f'href="{reverse("api:docs")}"' in html
