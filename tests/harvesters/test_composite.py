"""How subrequests are packed into Composite calls: 25 at most, of which 5 may be queries."""

from __future__ import annotations

from harvesters.composite import composite_batches, describe_request, query_request


def test_describes_ride_along_in_the_calls_the_queries_need():
    queries = [query_request(f"q{n}", "SELECT Id FROM Account") for n in range(25)]
    describes = [describe_request(f"Thing{n}__c") for n in range(25)]

    batches = list(composite_batches([*describes, *queries]))

    assert len(batches) == 5
    assert all(sum(request.query for request in batch) == 5 for batch in batches)
    assert [len(batch) for batch in batches] == [25, 10, 5, 5, 5]


def test_describes_alone_go_25_to_a_call():
    batches = list(composite_batches([describe_request(f"Thing{n}__c") for n in range(60)]))

    assert [len(batch) for batch in batches] == [25, 25, 10]


def test_every_subrequest_is_sent_once():
    requests = [*(query_request(f"q{n}", "SELECT Id FROM Account") for n in range(7)),
                *(describe_request(f"Thing{n}__c") for n in range(31))]

    sent = [request.reference for batch in composite_batches(requests) for request in batch]

    assert sorted(sent) == sorted(request.reference for request in requests)
