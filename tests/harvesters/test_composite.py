"""How subrequests are packed into Composite calls (25 at most, of which 5 may be queries), and how a call
whose subrequests partly fail is completed."""

from __future__ import annotations

from harvesters.composite import composite_batches, describe_many, describe_request, query_request
from salesforce_simulator import Simulator
from tests.harvesters.simulated import simulated_client


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


# --- over HTTPS, with the simulator's injected server errors ------------------------------------------


def test_a_composite_call_whose_subrequests_partly_fail_sends_again_only_the_failed_ones(demo_org: Simulator):
    client = simulated_client(demo_org)
    names = ["Account", "Contact", "Lead", "User", "Case", "Individual", "Loan_Application__c",
             "KYC_Check__c", "FinServ__FinancialAccount__c", "ContactPointTypeConsent"]
    demo_org.set_faults(error_rate=0.3, seed=5)

    answers = list(describe_many(client, names))

    assert [answer.reference for answer in answers] == names
    assert all(answer.ok for answer in answers), [(a.reference, a.status) for a in answers if not a.ok]
    describes = [call for call in demo_org.calls if call.subrequest and call.path.endswith("/describe")]
    assert any(call.status in (500, 503) for call in describes), "the seed injected no subrequest error"
    for name in names:
        sent = [call.status for call in describes if call.path.endswith(f"/sobjects/{name}/describe")]
        assert sent[-1] == 200, (name, sent)
        assert all(status in (500, 503) for status in sent[:-1]), (name, sent)

