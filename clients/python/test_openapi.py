"""Acceptance: /openapi.json is a valid OpenAPI 3.1 document that describes every operation."""

import requests
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator


def test_openapi_document_validates_against_the_3_1_schema(base_url):
    reply = requests.get(f"{base_url}/openapi.json", timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    document = reply.json()
    assert document["openapi"].startswith("3.1.")
    errors = [str(e) for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == [], "\n\n".join(errors)
    validate(document)  # raises on the first error, with the version detected from the document


def test_every_operation_of_types_metadata_is_in_the_document(base_url):
    document = requests.get(f"{base_url}/openapi.json", timeout=30).json()
    metadata = requests.get(f"{base_url}/types/metadata", timeout=30).json()
    documented = {
        (verb.upper(), path)
        for path, verbs in document["paths"].items()
        for verb in verbs
        if verb in ("get", "put", "post", "delete", "patch")
    }
    for operation in metadata["operations"]:
        for route in operation["routes"]:
            for verb in route["verbs"].split(","):
                assert (verb.strip(), route["path"]) in documented, (operation["request"]["name"], route)
