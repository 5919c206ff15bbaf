"""Drafts and year-to-date values through the API: a JSON batch kept as a draft, submitted or discarded by
number, refusals with 409 for what is no draft, and `"cumulative": true` per batch and per item."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

API = "/api/v1"
Headers = Callable[..., dict[str, str]]


def _batch(**extra: object) -> dict[str, object]:
    return {
        "org": "NANSHAN",
        "items": [
            {"indicator": "GDP", "region": "440305", "period": "2024Q2", "value": 2200},
            {"indicator": "VA_TERTIARY", "region": "440305", "period": "2024Q2", "value": "abc"},
        ],
        **extra,
    }


def test_a_draft_is_kept_then_submitted_under_its_number(client: TestClient, auth: Headers) -> None:
    nanshan = auth("nanshan_submitter")
    response = client.post(f"{API}/submissions", headers=nanshan, json=_batch(draft=True))
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["status"], draft["values"], draft["errors"], draft["submitted_at"]) == ("draft", 1, 1, None)
    assert [(line["location"], line["message"]) for line in draft["audit"]] == [
        ("$.items[1].value", "'abc' is not a number")
    ]
    waiting = client.get(f"{API}/submissions?to_review=true", headers=auth("stats_reviewer")).json()
    assert draft["id"] not in [item["id"] for item in waiting["items"]]
    assert client.get(f"{API}/submissions/{draft['id']}", headers=auth("stats_reviewer")).status_code == 403
    # Another district may not submit it.
    other = client.post(f"{API}/submissions/{draft['id']}/submit", headers=auth("futian_submitter"))
    assert other.status_code == 403

    submitted = client.post(f"{API}/submissions/{draft['id']}/submit", headers=nanshan)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert (body["id"], body["status"]) == (draft["id"], "audit_failed")  # the bad cell blocks it now
    again = client.post(f"{API}/submissions/{draft['id']}/submit", headers=nanshan)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"
    assert again.json()["detail"] == (
        f"Submission {draft['id']} is audit_failed; only a draft can be submitted"
    )


def test_discard_only_drafts(client: TestClient, auth: Headers) -> None:
    nanshan = auth("nanshan_submitter")
    good = {
        "org": "NANSHAN",
        "items": [{"indicator": "GDP", "region": "440305", "period": "2024Q2", "value": 1}],
    }
    draft = client.post(f"{API}/submissions", headers=nanshan, json={**good, "draft": True}).json()
    assert (
        client.delete(f"{API}/submissions/{draft['id']}", headers=auth("futian_submitter")).status_code == 403
    )
    gone = client.delete(f"{API}/submissions/{draft['id']}", headers=nanshan)
    assert gone.status_code == 200, gone.text
    assert gone.json() == {"id": draft["id"], "org": "NANSHAN", "status": "discarded"}
    # The number stays on record, empty, so it is never given to another submission.
    kept = client.get(f"{API}/submissions/{draft['id']}", headers=nanshan).json()
    assert (kept["status"], kept["values"]) == ("discarded", 0)
    assert client.delete(f"{API}/submissions/{draft['id']}", headers=nanshan).status_code == 409

    submitted = client.post(f"{API}/submissions", headers=nanshan, json=good).json()
    assert submitted["status"] == "under_review"
    refused = client.delete(f"{API}/submissions/{submitted['id']}", headers=nanshan)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"Submission {submitted['id']} is under_review; only a draft can be discarded, "
        "a submitted one stays on record"
    )
    assert (
        client.get(f"{API}/submissions/{submitted['id']}", headers=nanshan).json()["status"] == "under_review"
    )


def test_an_upload_kept_as_a_draft(client: TestClient, auth: Headers) -> None:
    response = client.post(
        f"{API}/submissions/upload",
        headers=auth("nanshan_submitter"),
        files={"file": ("draft.csv", "地区,地区生产总值\n南山区,2100\n".encode(), "text/csv")},
        data={"org": "NANSHAN", "period": "2024Q1", "draft": "true"},
    )
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["values"]) == ("draft", 1)


def test_cumulative_per_batch_and_per_item(client: TestClient, auth: Headers) -> None:
    stats = auth("stats_submitter")
    batch = {
        "org": "STATS",
        "cumulative": True,
        "items": [{"indicator": "FINANCE_VA", "region": "440300", "period": "2024Q3", "value": 3300}],
    }
    response = client.post(f"{API}/submissions", headers=stats, json=batch)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "under_review"
    single = {
        "org": "STATS",
        "items": [
            {
                "indicator": "POP_RESIDENT",
                "region": "440300",
                "period": "2024",
                "value": 1700,
                "cumulative": True,
            },
            {"indicator": "FINANCE_VA", "region": "440300", "period": "2024Q2", "value": 1100},
        ],
    }
    refused = client.post(f"{API}/submissions", headers=stats, json=single).json()
    assert refused["status"] == "audit_failed"
    assert [(line["location"], line["message"]) for line in refused["audit"]] == [
        (
            "$.items[0]",
            "POP_RESIDENT is a stock indicator, not a flow: values marked year-to-date (年初累计) apply only "
            "to flows",
        )
    ]
