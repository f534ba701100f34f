from schemas.common import flatten_messages


def test_webargs_location_is_dropped_and_paths_are_dotted():
    messages = {"json": {"events": {3: {"paper_id": ["Unknown paper."]}}, "title": ["Missing."]}}
    assert flatten_messages(messages) == {"events.3.paper_id": ["Unknown paper."], "title": ["Missing."]}


def test_schema_level_messages():
    assert flatten_messages(["bad"]) == {"_schema": ["bad"]}
    assert flatten_messages({"query": {"limit": ["Must be at most 100."]}}) == {"limit": ["Must be at most 100."]}
