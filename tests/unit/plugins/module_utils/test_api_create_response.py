# -*- coding: utf-8 -*-
"""HarborClient.create(keep_response=True): the POST's answer for bodies Harbor sends only once."""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient

from ...conftest import API, URL


def client():
    return HarborClient(URL, "admin", "Harbor12345", sleep=[].append)


def test_keep_response_returns_the_object_and_the_answer(harbor):
    harbor.systeminfo()
    harbor.post(API + "/robots", status=201, json={"id": 7, "secret": "once"},
                headers={"Location": "/api/v2.0/robots/7"})
    found, resp = client().create("/robots", {"name": "ci"}, find=lambda: {"id": 7}, keep_response=True)
    assert found == {"id": 7}
    assert resp.status == 201 and resp.body == {"id": 7, "secret": "once"} and resp.location_id == 7


def test_keep_response_after_a_lost_answer_has_no_response(harbor):
    harbor.systeminfo()
    harbor.post(API + "/robots", status=502)
    found, resp = client().create("/robots", {"name": "ci"}, find=lambda: {"id": 7}, keep_response=True)
    assert found == {"id": 7} and resp is None
    assert len(harbor.sent("POST")) == 1


def test_without_keep_response_only_the_object(harbor):
    harbor.systeminfo()
    harbor.post(API + "/robots", status=201, json={"id": 7, "secret": "once"})
    assert client().create("/robots", {"name": "ci"}, find=lambda: {"id": 7}) == {"id": 7}


def test_a_409_on_the_first_post_returns_that_answer_the_object_existed(harbor):
    harbor.systeminfo()
    harbor.post(API + "/robots", status=409, json={"errors": [{"code": "CONFLICT", "message": "exists"}]})
    found, resp = client().create("/robots", {"name": "ci"}, find=lambda: {"id": 7}, keep_response=True)
    assert found == {"id": 7} and resp.status == 409  # someone else's object: its create answer is not ours


def test_a_409_after_a_lost_answer_is_our_own_object(harbor):
    harbor.systeminfo()
    harbor.post(API + "/robots", status=503)
    harbor.post(API + "/robots", status=409, json={"errors": [{"code": "CONFLICT", "message": "exists"}]})
    answers = iter([None, {"id": 7}])
    found, resp = client().create("/robots", {"name": "ci"}, find=lambda: next(answers), keep_response=True)
    assert found == {"id": 7} and resp is None
