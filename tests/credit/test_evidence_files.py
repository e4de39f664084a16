"""Evidence files are served only by views that check the record they belong to:
the enterprise and the bureau get the bytes, another enterprise gets 404, the
API links to those views and never to the media folder."""

from datetime import timedelta

import pytest
from django.urls import reverse

from credit import services
from tests.credit.conftest import PNG, T0, answers_for, png

pytestmark = pytest.mark.django_db


def _download(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


@pytest.fixture
def appeal(published, world, enterprise_user_x):
    return services.appeal_file(
        enterprise=world.enterprise_x,
        user=enterprise_user_x,
        reason="整改已完成，附照片",
        evidence=png(),
        now=published.published_at + timedelta(days=1),
    )


def test_appeal_evidence_goes_to_its_enterprise_and_the_bureau_only(
    client, appeal, enterprise_user_x, enterprise_user_y, bureau_officer
):
    url = reverse("credit:appeal-evidence", args=[appeal.pk])
    for user in (enterprise_user_x, bureau_officer):
        client.force_login(user)
        response, body = _download(client, url)
        assert response.status_code == 200
        assert body == PNG
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(enterprise_user_y)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_api_links_evidence_to_the_checking_view_not_the_media_folder(
    api, appeal, enterprise_user_x
):
    response = api(enterprise_user_x).get(f"/api/v1/credit/appeals/{appeal.pk}/")
    assert response.status_code == 200
    assert response.json()["evidence"] == (
        "http://testserver" + reverse("credit:appeal-evidence", args=[appeal.pk])
    )
    assert "/media/" not in response.content.decode()


def test_self_assessment_evidence_is_read_through_its_evaluation(
    client, evaluation_x, enterprise_user_x, enterprise_user_y, catering
):
    services.evaluation_self_assess(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        answers=answers_for(catering),
        now=T0 + timedelta(days=1),
    )
    answer = evaluation_x.answers.exclude(evidence="").first()
    url = reverse("credit:answer-evidence", args=[evaluation_x.pk, answer.pk])
    client.force_login(enterprise_user_x)
    page = client.get(reverse("credit:evaluation-detail", args=[evaluation_x.pk]))
    assert url in page.content.decode()
    assert _download(client, url)[1] == PNG
    client.force_login(enterprise_user_y)
    assert client.get(url).status_code == 404
