"""Fixtures shared by the Python client tests.

The tests run against a server started by crates/affiliation-api/tests/clients.rs, which passes
it in the environment:
  AFFILIATION_BASE_URL   e.g. http://127.0.0.1:40123
  AFFILIATION_API_KEY    the API key of a regular user (sent as a Bearer token)
  AFFILIATION_OTHER_KEY  the API key of a second regular user (optional)
"""

import importlib.util
import os
import sys
import uuid

import pytest
import requests
from servicestack import JsonServiceClient


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: run these tests through `cargo test --test clients`")
    return value


@pytest.fixture(scope="session")
def base_url():
    return _env("AFFILIATION_BASE_URL").rstrip("/")


@pytest.fixture(scope="session")
def api_key():
    return _env("AFFILIATION_API_KEY")


@pytest.fixture(scope="session")
def other_key():
    return _env("AFFILIATION_OTHER_KEY")


@pytest.fixture()
def client(base_url, api_key):
    client = JsonServiceClient(base_url)
    client.bearer_token = api_key
    return client


def load_module(name, source, directory):
    """Imports Python source text as a module of the given name."""
    path = directory / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"{name}_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generated_source(base_url):
    """The DTOs as served by /types/python."""
    reply = requests.get(f"{base_url}/types/python", timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.text


@pytest.fixture(scope="session")
def dtos(generated_source, tmp_path_factory):
    """The module /types/python defines, imported as a user of the service would."""
    return load_module("affiliation_dtos", generated_source, tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="session")
def amazon_us(base_url, api_key):
    """The GUID of the catalog's Amazon US program (parameter `tag`)."""
    reply = requests.get(
        f"{base_url}/v3/affiliate-programs",
        headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    for program in reply.json()["affiliatePrograms"]:
        if "Amazon" in program["network"] and "US" in program["countries"]:
            return program["programGuid"]
    pytest.fail("no Amazon US program in the catalog")
