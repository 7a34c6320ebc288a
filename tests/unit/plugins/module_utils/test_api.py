# -*- coding: utf-8 -*-
"""The Harbor API client, with HTTP faked at the transport level (responses)."""

from __future__ import annotations

import json

import pytest
import requests
from responses import RequestsMock as responses_mock

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import (
    HarborClient,
    HarborError,
    normalize_url,
    permission_of,
    parse_version,
    quote_repository,
)

from ...conftest import API, SYSTEMINFO_215, URL

ERRORS_400 = {"errors": [{"code": "BAD_REQUEST", "message": "project name is invalid"}]}


def client(sleeps=None, **kwargs):
    """A client whose backoff sleeps are recorded in ``sleeps`` instead of slept."""
    return HarborClient(URL, "admin", "Harbor12345", sleep=(sleeps if sleeps is not None else []).append, **kwargs)


# ---------------------------------------------------------------- URL and helpers

@pytest.mark.parametrize("url, expected", [
    ("https://harbor.test", "https://harbor.test"),
    ("https://harbor.test/", "https://harbor.test"),
    ("https://harbor.test/api/v2.0", "https://harbor.test"),
    ("http://10.0.0.5:8080/", "http://10.0.0.5:8080"),
])
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


@pytest.mark.parametrize("url, message", [
    ("https://", "no host name"),
    ("https:///api/v2.0", "no host name"),
    ("harbor.test", "must start with http"),
    ("ftp://harbor.test", "must start with http"),
    ("https://harbor.test/?x=1", "query"),
])
def test_normalize_url_rejects(url, message):
    with pytest.raises(ValueError, match=message):
        normalize_url(url)


def test_parse_version():
    assert parse_version("v2.15.2-080b0220") == (2, 15, 2)
    assert parse_version("2.10.0") == (2, 10, 0)
    assert parse_version("v2.16") == (2, 16, 0)
    assert parse_version("dev") is None


def test_quote_repository_twice():
    assert quote_repository("team/app") == "team%252Fapp"


# ---------------------------------------------------------------- authentication

def test_wrong_credentials_detected_once(harbor):
    # Harbor serves wrong credentials as anonymous: /systeminfo then lacks harbor_version.
    harbor.get(API + "/systeminfo", json={"auth_mode": "db_auth", "self_registration": False})
    harbor.get(API + "/projects/x", status=404, json={"errors": [{"code": "NOT_FOUND", "message": "x"}]})
    cli = client()
    with pytest.raises(HarborError) as err:
        cli.get("/projects/x", missing_ok=True)
    assert str(err.value).startswith("authentication failed for admin at https://harbor.test")
    assert err.value.status == 401
    assert [c[1] for c in harbor.sent()] == ["/systeminfo"]


def test_systeminfo_read_once_per_run(harbor):
    harbor.systeminfo()
    harbor.get(API + "/projects/a", json={"name": "a"})
    cli = client()
    cli.get("/projects/a")
    cli.get("/projects/a")
    assert cli.version == (2, 15, 2)
    assert [c[1] for c in harbor.sent()] == ["/systeminfo", "/projects/a", "/projects/a"]


def test_basic_auth_and_request_id_sent(harbor):
    harbor.systeminfo()
    cli = client()
    cli.ensure_authenticated()
    req = harbor.calls[0].request
    assert req.headers["Authorization"].startswith("Basic ")
    assert req.headers["X-Request-Id"] == cli.request_id


# ---------------------------------------------------------------- cookies

def test_sid_cookie_is_never_resent(harbor):
    harbor.get(API + "/systeminfo", json=SYSTEMINFO_215, headers={"Set-Cookie": "sid=abc123; Path=/; HttpOnly"})
    harbor.put(API + "/projects/a", status=200)
    cli = client()
    cli.put("/projects/a", {"metadata": {}})
    assert "Cookie" not in harbor.calls[1].request.headers
    assert len(cli.session.cookies) == 0


def test_plain_session_would_resend_the_cookie(harbor):
    # The control case: without the client's cookie policy requests resends Harbor's sid cookie,
    # which Harbor answers with "CSRF token invalid" on writes.
    harbor.get(API + "/systeminfo", json=SYSTEMINFO_215, headers={"Set-Cookie": "sid=abc123; Path=/; HttpOnly"})
    harbor.put(API + "/projects/a", status=200)
    session = requests.Session()
    session.get(API + "/systeminfo")
    session.put(API + "/projects/a", json={})
    assert harbor.calls[1].request.headers.get("Cookie") == "sid=abc123"


# ---------------------------------------------------------------- errors

def test_harbor_error_body_becomes_one_clear_error(harbor):
    harbor.systeminfo()
    harbor.post(API + "/users", status=400, json=ERRORS_400, headers={"X-Request-Id": "req-42"})
    cli = client()
    with pytest.raises(HarborError) as err:
        cli.post("/users", {"username": "x"})
    assert str(err.value) == ("POST /api/v2.0/users failed with HTTP 400: BAD_REQUEST: project name is invalid "
                              "(X-Request-Id: req-42)")
    assert err.value.status == 400 and err.value.request_id == "req-42"
    assert err.value.errors == ERRORS_400["errors"]


FORBIDDEN_ROBOT = {"errors": [{"code": "FORBIDDEN", "message": "robot$ci"}]}


def test_403_of_a_robot_names_it_and_points_to_the_module_notes(harbor):
    harbor.systeminfo()
    harbor.post(API + "/registries", status=403, json=FORBIDDEN_ROBOT, headers={"X-Request-Id": "req-7"})
    cli = HarborClient(URL, "robot$ci", "Secret123", sleep=[].append)
    with pytest.raises(HarborError) as err:
        cli.post("/registries", {"name": "hub"})
    assert str(err.value) == (
        "POST /api/v2.0/registries failed with HTTP 403: FORBIDDEN: robot$ci (X-Request-Id: req-7). "
        "The account robot$ci lacks the permission {resource: registry, action: create} at system level, for POST "
        "/api/v2.0/registries; a robot account needs the "
        "permissions that the notes of this module's documentation list (ansible-doc), and some operations need "
        "a Harbor administrator")
    assert err.value.status == 403 and err.value.request_id == "req-7"
    assert err.value.errors == FORBIDDEN_ROBOT["errors"]


def test_403_of_a_user_names_the_account(harbor):
    harbor.systeminfo()
    harbor.put(API + "/configurations", status=403, json={"errors": [{"code": "FORBIDDEN", "message": "alice"}]})
    cli = HarborClient(URL, "alice", "Alice12345", sleep=[].append)
    with pytest.raises(HarborError) as err:
        cli.put("/configurations", {"read_only": True})
    message = str(err.value)
    assert message.endswith("(X-Request-Id: %s). The account alice lacks the permission {resource: configuration, "
                            "action: update} at system level, for PUT /api/v2.0/configurations" % cli.request_id)
    assert "robot" not in message


def test_403_of_a_create_names_the_account(harbor):
    harbor.systeminfo()
    harbor.post(API + "/labels", status=403, json={"errors": [{"code": "FORBIDDEN", "message": "robot$bot"}]})
    cli = HarborClient(URL, "robot$bot", "Secret123", sleep=[].append)
    with pytest.raises(HarborError, match=r"The account robot\$bot lacks the permission \{resource: label, action: "
                                          r"create\} at system level, for POST /api/v2.0/labels; a robot account needs"):
        cli.create("/labels", {"name": "prod"}, find=lambda: None)
    assert len(harbor.sent("POST")) == 1  # a 403 is not retried


@pytest.mark.parametrize("method, path, needed", [
    ("GET", "/projects/prod/members", ("project", "prod", "member", "list")),
    ("GET", "/projects/prod/members/3", ("project", "prod", "member", "read")),
    ("PUT", "/projects/prod", ("project", "prod", "project", "update")),
    ("POST", "/projects", ("system", None, "project", "create")),
    ("POST", "/retentions/4/executions", ("project", None, "tag-retention", "operate")),
    ("POST", "/system/scanAll/stop", ("system", None, "scan-all", "stop")),
    ("DELETE", "/projects/p/immutabletagrules/4", ("project", "p", "immutable-tag", "delete")),
    ("POST", "/projects/p/repositories/a%252Fb/artifacts/sha256:1/scan", ("project", "p", "scan", "create")),
    ("GET", "/systeminfo", None),
])
def test_the_permission_harbor_checks_for_a_request(method, path, needed):
    assert permission_of(method, path) == needed


def test_other_errors_carry_no_permission_hint(harbor):
    harbor.systeminfo()
    harbor.post(API + "/registries", status=401, json={"errors": [{"code": "UNAUTHORIZED", "message": "x"}]})
    cli = HarborClient(URL, "robot$ci", "Secret123", sleep=[].append)
    with pytest.raises(HarborError) as err:
        cli.post("/registries", {"name": "hub"})
    assert "lacks the permission" not in str(err.value)


def test_error_without_body(harbor):
    harbor.systeminfo()
    harbor.delete(API + "/projects/a", status=412, body="")
    cli = client()
    with pytest.raises(HarborError, match="DELETE /api/v2.0/projects/a failed with HTTP 412: no details"):
        cli.delete("/projects/a")


def test_redirect_is_explained(harbor):
    harbor.get(API + "/systeminfo", status=308, headers={"Location": "https://harbor.test/api/v2.0/systeminfo"})
    cli = client()
    with pytest.raises(HarborError, match="redirected to https://harbor.test"):
        cli.ensure_authenticated()


def test_connection_error_names_the_url(harbor):
    harbor.get(API + "/systeminfo", body=requests.exceptions.ConnectionError("refused"))
    sleeps = []
    cli = client(sleeps, retries=1)
    with pytest.raises(HarborError, match="cannot reach Harbor at https://harbor.test"):
        cli.ensure_authenticated()
    assert len(sleeps) == 1


def test_a_transport_error_names_the_method_path_and_request_id(harbor):
    harbor.get(API + "/systeminfo", body=requests.exceptions.ConnectionError("refused"))
    cli = client(retries=0)
    with pytest.raises(HarborError) as caught:
        cli.ensure_authenticated()
    assert "GET /api/v2.0/systeminfo (X-Request-Id: %s)" % cli.request_id in caught.value.message


def test_a_certificate_failure_is_not_retried_and_points_to_ca_path(harbor):
    harbor.get(API + "/systeminfo", body=requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"))
    sleeps = []
    with pytest.raises(HarborError, match="set ca_path") as caught:
        client(sleeps).ensure_authenticated()
    assert sleeps == [] and len(harbor.calls) == 1 and "plain HTTP" not in caught.value.message


def test_https_against_a_plain_http_port_says_so_instead_of_ca_path(harbor):
    harbor.get(API + "/systeminfo", body=requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number"))
    with pytest.raises(HarborError, match="answers plain HTTP on that port: use http://") as caught:
        client().ensure_authenticated()
    assert "ca_path" not in caught.value.message


def test_http_against_a_tls_port_says_so():
    cli = HarborClient("http://harbor.test", "admin", "pw", retries=0)
    with responses_mock() as mock:
        mock.get("http://harbor.test/api/v2.0/systeminfo", body=requests.exceptions.ConnectionError(
            "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"))
        with pytest.raises(HarborError, match="if that port speaks HTTPS, use https://"):
            cli.ensure_authenticated()


def test_missing_ok_gives_none(harbor):
    harbor.systeminfo()
    harbor.get(API + "/projects/nope", status=404, json={"errors": [{"code": "NOT_FOUND", "message": "no"}]})
    cli = client()
    assert cli.get("/projects/nope", missing_ok=True) is None
    with pytest.raises(HarborError, match="HTTP 404"):
        cli.get("/projects/nope")


# ---------------------------------------------------------------- retries

@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_idempotent_get_is_retried(harbor, status):
    harbor.systeminfo()
    harbor.get(API + "/projects/a", status=status, json={"errors": [{"code": "UNKNOWN", "message": "x"}]})
    harbor.get(API + "/projects/a", json={"name": "a"})
    sleeps = []
    cli = client(sleeps)
    assert cli.get("/projects/a") == {"name": "a"}
    assert len(harbor.sent("GET")) == 3
    assert sleeps == [0.5]


def test_retry_after_header_is_honoured(harbor):
    harbor.systeminfo()
    harbor.put(API + "/projects/a", status=429, headers={"Retry-After": "3"})
    harbor.put(API + "/projects/a", status=200)
    sleeps = []
    cli = client(sleeps)
    cli.put("/projects/a", {"metadata": {}})
    assert sleeps == [3.0]


def test_retries_are_bounded_with_backoff(harbor):
    harbor.systeminfo()
    harbor.delete(API + "/projects/a", status=503)
    sleeps = []
    cli = client(sleeps, retries=3)
    with pytest.raises(HarborError, match="HTTP 503"):
        cli.delete("/projects/a")
    assert len(harbor.sent("DELETE")) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_write_that_failed_with_500_is_not_retried(harbor):
    harbor.systeminfo()
    harbor.put(API + "/projects/a", status=500, json={"errors": [{"code": "UNKNOWN", "message": "internal server error"}]})
    sleeps = []
    cli = client(sleeps)
    with pytest.raises(HarborError, match="HTTP 500"):
        cli.put("/projects/a", {})
    assert len(harbor.sent("PUT")) == 1 and sleeps == []


@pytest.mark.parametrize("status", [500, 501, 505])
def test_a_read_is_retried_on_every_5xx(harbor, status):
    harbor.systeminfo()
    harbor.get(API + "/projects/a", status=status, json={"errors": [{"code": "UNKNOWN", "message": "x"}]})
    harbor.get(API + "/projects/a", json={"name": "a"})
    sleeps = []
    cli = client(sleeps)
    assert cli.get("/projects/a") == {"name": "a"}
    assert sleeps == [0.5]


def test_a_read_that_keeps_failing_stops_after_the_retries(harbor):
    harbor.systeminfo()
    harbor.get(API + "/projects/a", status=500, json={"errors": [{"code": "UNKNOWN", "message": "x"}]})
    sleeps = []
    cli = client(sleeps, retries=3)
    with pytest.raises(HarborError, match="HTTP 500"):
        cli.get("/projects/a")
    assert len([c for c in harbor.sent("GET") if c[1] == "/projects/a"]) == 4 and sleeps == [0.5, 1.0, 2.0]


def test_a_4xx_is_not_retried(harbor):
    harbor.systeminfo()
    harbor.get(API + "/projects/a", status=400, json={"errors": [{"code": "BAD_REQUEST", "message": "x"}]})
    sleeps = []
    with pytest.raises(HarborError, match="HTTP 400"):
        client(sleeps).get("/projects/a")
    assert sleeps == []


def test_plain_post_is_sent_once(harbor):
    harbor.systeminfo()
    harbor.post(API + "/system/gc/schedule", status=503)
    cli = client()
    with pytest.raises(HarborError, match="HTTP 503"):
        cli.post("/system/gc/schedule", {"schedule": {"type": "Manual"}})
    assert len(harbor.sent("POST")) == 1


# ---------------------------------------------------------------- the POST rule

def test_create_returns_the_object_read_back(harbor):
    harbor.systeminfo()
    harbor.post(API + "/projects", status=201, headers={"Location": "/api/v2.0/projects/7"})
    cli = client()
    assert cli.create("/projects", {"project_name": "a"}, find=lambda: {"project_id": 7}) == {"project_id": 7}


@pytest.mark.parametrize("failure", [502, 500, requests.exceptions.ConnectionError("reset")])
def test_failed_post_that_was_applied_counts_as_created(harbor, failure):
    harbor.systeminfo()
    if isinstance(failure, int):
        harbor.post(API + "/projects", status=failure)
    else:
        harbor.post(API + "/projects", body=failure)
    finds = []

    def find():
        finds.append(1)
        return {"project_id": 7}

    cli = client()
    assert cli.create("/projects", {"project_name": "a"}, find=find) == {"project_id": 7}
    assert len(harbor.sent("POST")) == 1 and len(finds) == 1


def test_failed_post_that_was_not_applied_is_sent_again(harbor):
    harbor.systeminfo()
    harbor.post(API + "/projects", status=503)
    harbor.post(API + "/projects", status=201)

    def find():
        return {"project_id": 7} if len(harbor.sent("POST")) == 2 else None

    sleeps = []
    cli = client(sleeps)
    assert cli.create("/projects", {"project_name": "a"}, find=find) == {"project_id": 7}
    assert len(harbor.sent("POST")) == 2 and sleeps == [0.5]


def test_post_500_not_applied_is_not_repeated(harbor):
    harbor.systeminfo()
    harbor.post(API + "/projects", status=500, json={"errors": [{"code": "UNKNOWN", "message": "internal server error"}]})
    cli = client()
    with pytest.raises(HarborError, match="HTTP 500"):
        cli.create("/projects", {"project_name": "a"}, find=lambda: None)
    assert len(harbor.sent("POST")) == 1


def test_post_client_error_fails_without_reading_back(harbor):
    harbor.systeminfo()
    harbor.post(API + "/projects", status=400, json={"errors": [{"code": "BAD_REQUEST", "message": "bad name"}]})
    finds = []
    cli = client()
    with pytest.raises(HarborError, match="HTTP 400: BAD_REQUEST: bad name"):
        cli.create("/projects", {"project_name": "a"}, find=lambda: finds.append(1))
    assert finds == []


def test_a_409_adopts_the_object_an_earlier_attempt_or_a_concurrent_run_created(harbor):
    harbor.systeminfo()
    harbor.post(API + "/projects", status=409, json={"errors": [{"code": "CONFLICT", "message": "exists"}]})
    assert client().create("/projects", {"project_name": "a"}, find=lambda: {"name": "a"}) == {"name": "a"}
    assert len(harbor.sent("POST")) == 1


def test_a_409_for_an_object_that_cannot_be_found_fails(harbor):
    harbor.systeminfo()
    harbor.post(API + "/projects", status=409, json={"errors": [{"code": "CONFLICT", "message": "exists"}]})
    with pytest.raises(HarborError, match="HTTP 409: CONFLICT: exists"):
        client().create("/projects", {"project_name": "a"}, find=lambda: None)


def test_a_failed_read_back_after_a_201_keeps_the_answer(harbor):
    harbor.systeminfo()
    harbor.post(API + "/robots", status=201, json={"id": 7, "secret": "Once-Only"})

    def find():
        raise HarborError("read failed", status=500)
    with pytest.raises(HarborError) as caught:
        client().create("/robots", {"name": "ci"}, find=find, keep_response=True)
    assert caught.value.created_response.body == {"id": 7, "secret": "Once-Only"}


# ---------------------------------------------------------------- pagination and lookups

def page_callback(items, with_total=True):
    def callback(request):
        query = dict(part.split("=") for part in request.url.split("?")[1].split("&"))
        page, size = int(query["page"]), int(query["page_size"])
        chunk = items[(page - 1) * size:page * size]
        headers = {}
        if with_total:
            headers["X-Total-Count"] = str(len(items))
        elif page * size < len(items):
            headers["Link"] = '</api/v2.0/things?page=%d&page_size=%d>; rel="next"' % (page + 1, size)
        return 200, headers, json.dumps(chunk)
    return callback


@pytest.mark.parametrize("with_total", [True, False])
def test_paginate_reads_every_page(harbor, with_total):
    harbor.systeminfo()
    items = [{"name": "p%03d" % i} for i in range(250)]
    harbor.add_callback("GET", API + "/things", callback=page_callback(items, with_total))
    cli = client()
    assert list(cli.paginate("/things")) == items
    assert len(harbor.sent("GET")) == 1 + 3


def test_find_by_name_is_exact(harbor):
    # Harbor's name filters are substring matches: "app" also finds "app-old" and "myapp".
    harbor.systeminfo()
    items = [{"name": "app-old", "id": 1}, {"name": "myapp", "id": 2}, {"name": "app", "id": 3}]
    harbor.add_callback("GET", API + "/registries", callback=page_callback(items))
    cli = client()
    assert cli.find_by_name("/registries", "app", params={"q": "name=app"}) == {"name": "app", "id": 3}
    assert cli.find_by_name("/registries", "ap") is None


FORBIDDEN_PROJECT = {"errors": [{"code": "FORBIDDEN", "message": "forbidden"}]}


def test_a_missing_project_is_none_for_a_robot_that_gets_403(harbor):
    # Harbor checks the permission first: a robot gets 403 for a project that does not exist
    harbor.systeminfo()
    harbor.get(API + "/projects/team", status=403, json=FORBIDDEN_PROJECT)
    harbor.head(API + "/projects", status=404)
    cli = HarborClient(URL, "robot$ci", "Secret123", sleep=[].append)
    assert cli.get_project("team") is None
    head = harbor.calls[-1].request
    assert head.method == "HEAD" and head.url.endswith("/projects?project_name=team")


def test_an_existing_project_the_robot_may_not_read_stays_403(harbor):
    harbor.systeminfo()
    harbor.get(API + "/projects/team", status=403, json=FORBIDDEN_PROJECT)
    harbor.head(API + "/projects", status=200)
    cli = HarborClient(URL, "robot$ci", "Secret123", sleep=[].append)
    with pytest.raises(HarborError, match=r"GET /api/v2.0/projects/team failed with HTTP 403: .*The account "
                                          r"robot\$ci lacks the permission") as err:
        cli.get_project("team")
    assert err.value.status == 403


def test_boolean_query_parameters_are_lower_case(harbor):
    harbor.systeminfo()
    harbor.add_callback("GET", API + "/projects", callback=page_callback([]))
    cli = client()
    list(cli.paginate("/projects", params={"public": True}))
    assert "public=true" in harbor.calls[1].request.url


@pytest.mark.parametrize("kwargs, verify", [
    (dict(validate_certs=False), False),
    (dict(ca_path="/etc/ca.pem"), "/etc/ca.pem"),
    ({}, "/etc/ssl/certs/ca-certificates.crt"),  # validate_certs without ca_path: the system trust
])
def test_tls_options_win_over_the_environment(harbor, monkeypatch, kwargs, verify):
    # requests lets REQUESTS_CA_BUNDLE override a session-level verify; the client passes it per request.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    sent = []
    harbor.systeminfo()
    cli = client(**kwargs)
    real_send = cli.session.send

    def send(request, **options):
        sent.append(options.get("verify"))
        return real_send(request, **options)

    monkeypatch.setattr(cli.session, "send", send)
    cli.ensure_authenticated()
    assert sent == [verify]
