"""The spec's YAML writer: whatever it writes, a YAML reader reads back as the same data."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from semgraph.rust.spec import _plain_ok, _yaml_lines, dump_spec, load_spec
from semgraph.rust.specyaml import NotOurs, read
from tests.rust.helpers import DIESEL

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(max_size=30),
    st.sampled_from(["yes", "No", "null", "1e3", "0x1", "x: y", "a #b", "&'a str", "Option<i64>", "T: A + B", "-"]),
)
data = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=10), data, max_size=5))
def test_yaml_writer_round_trips_any_json_like_data(value: dict) -> None:
    text = "".join(_yaml_lines(value, 0))
    assert (yaml.safe_load(text) or {}) == value
    if value:  # the fast reader reads exactly what PyYAML reads
        assert read(text, _plain_ok) == value


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\n# a comment\nentities: []\n",
        "version: 1\nentities: [a, b]\n",
        "version: 1\nwhen: 2024-01-01\n",
        "version: 1\nflag: yes\n",
        "version: 1\nx: ~\n",
        "version: 1\nx: 'single'\n",
        "version: 1\nx: |\n  block\n",
    ],
)
def test_anything_outside_the_writer_subset_goes_to_pyyaml(text: str) -> None:
    with pytest.raises(NotOurs):
        read(text, _plain_ok)


def test_readable_output_for_a_spec() -> None:
    spec = load_spec((DIESEL / "specs" / "shop.yaml").read_text())
    text = dump_spec(spec)
    assert text.startswith("version: 1\nentities:\n- name: Account\n  table: accounts\n")
    assert '  doc: "A customer\'s account.\\n\\nHolds a balance in cents."\n' in text
    assert load_spec(text) == spec
