"""Hostile XML payloads in an SDMX answer are refused with a clear error, unparsed."""
import pytest

from ckanext.migration.harvesting.sdmx import RecordError, parse_structure

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>"""
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "' + b"x" * 10000
             + b'">]><k>' + b"&a;" * 1000 + b"</k>")
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>"""
DTD_FETCH = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd"><r/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, QUADRATIC, EXTERNAL, DTD_FETCH],
                         ids=["billion-laughs", "quadratic", "external-entity", "dtd-fetch"])
def test_hostile_xml_is_refused_with_a_clear_error(payload):
    with pytest.raises(RecordError, match=r"https://sdmx.example/x is not parsed: it declares"):
        parse_structure(payload, "https://sdmx.example/x")
