"""Exact specs for each advanced pattern fixture (every field, type, nullability, key, relation)."""

from __future__ import annotations

from semgraph.rust.project import SourceFile, parse_sources
from tests.rust.helpers import DIESEL, PATTERNS, dump, parse_fixture


def _spec(name: str) -> dict:
    result = parse_fixture(PATTERNS / f"{name}.rs")
    assert result.diagnostics == []
    return dump(result.spec)


def test_lifetimes_keep_borrowed_types_and_the_insertable_twin() -> None:
    assert _spec("lifetimes") == {
        "entities": [
            {
                "name": "Category",
                "table": "categories",
                "fields": [
                    {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
                    {"name": "title", "rust_type": "String", "sql_type": "Text"},
                ],
                "derives": ["Queryable"],
                "check_for_backend": [],
                "insertable": None,
                "changeset": None,
            },
            {
                "name": "Product",
                "table": "products",
                "fields": [
                    {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
                    {"name": "name", "rust_type": "&'a str", "sql_type": "Text"},
                    {"name": "category", "rust_type": "&'a Category", "no_column": True},
                ],
                "derives": ["Queryable"],
                "check_for_backend": [],
                "lifetimes": ["'a"],
                "doc": "A product that borrows its strings from a request buffer.",
                "insertable": {
                    "name": "NewProduct",
                    "fields": ["name"],
                    "derives": ["Insertable"],
                    "lifetimes": ["'a"],
                },
                "changeset": None,
            },
        ],
        "allow_in_same_query": [],
    }


def test_generics_with_bounds_and_where_clause() -> None:
    assert _spec("generics") == {
        "entities": [
            {
                "name": "Container",
                "table": "containers",
                "fields": [
                    {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
                    {"name": "data", "rust_type": "T", "no_column": True},
                    {"name": "payload", "rust_type": "serde_json::Value", "sql_type": "Jsonb"},
                ],
                "derives": ["Debug", "Queryable", "Serialize"],
                "check_for_backend": [],
                "generics": ["T: Serialize + Clone"],
                "where_clause": "T: std::fmt::Debug + Send",
                "doc": "A typed payload wrapper.",
                "insertable": None,
                "changeset": None,
            }
        ],
        "allow_in_same_query": [],
    }


def test_postgres_types_uuid_array_jsonb_range_and_more() -> None:
    assert _spec("types") == {
        "entities": [
            {
                "name": "Event",
                "table": "events",
                "fields": [
                    {"name": "id", "rust_type": "Uuid", "sql_type": "Uuid"},
                    {"name": "tags", "rust_type": "Vec<String>", "sql_type": "Array<Text>", "item_type": "Text"},
                    {
                        "name": "scores",
                        "rust_type": "Vec<Option<i32>>",
                        "sql_type": "Array<Nullable<Int4>>",
                        "item_type": "Nullable<Int4>",
                    },
                    {"name": "payload", "rust_type": "serde_json::Value", "sql_type": "Jsonb"},
                    {
                        "name": "during",
                        "rust_type": "(Bound<DateTime<Utc>>, Bound<DateTime<Utc>>)",
                        "sql_type": "Range<Timestamptz>",
                    },
                    {"name": "client_ip", "rust_type": "Option<IpNetwork>", "sql_type": "Inet", "nullable": True},
                    {"name": "device", "rust_type": "[u8; 6]", "sql_type": "MacAddr"},
                    {"name": "amount", "rust_type": "BigDecimal", "sql_type": "Numeric"},
                    {"name": "happened_at", "rust_type": "DateTime<Utc>", "sql_type": "Timestamptz"},
                    {"name": "elapsed", "rust_type": "PgInterval", "sql_type": "Interval"},
                    {"name": "raw", "rust_type": "Vec<u8>", "sql_type": "Bytea"},
                    {"name": "price", "rust_type": "PgMoney", "sql_type": "Money"},
                ],
                "derives": ["Debug", "Queryable", "Selectable"],
                "check_for_backend": ["diesel::pg::Pg"],
                "insertable": None,
                "changeset": None,
            }
        ],
        "allow_in_same_query": [],
    }


def test_composite_key_sql_name_max_length_named_schema_and_custom_enum_type() -> None:
    assert _spec("composite") == {
        "entities": [
            {
                "name": "TeamMember",
                "table": "team_members",
                "schema": "org",
                "sql_name": "TeamMembers",
                "primary_key": ["team_id", "user_id"],
                "fields": [
                    {"name": "team_id", "rust_type": "i32", "sql_type": "Int4"},
                    {"name": "user_id", "rust_type": "i32", "sql_type": "Int4"},
                    {
                        "name": "role",
                        "rust_type": "MembershipRole",
                        "sql_type": "MembershipRole",
                        "enum": "MembershipRole",
                        "enum_values": ["owner", "maintainer", "read-only"],
                    },
                    {
                        "name": "display_name",
                        "rust_type": "Option<String>",
                        "sql_type": "Varchar",
                        "nullable": True,
                        "sql_name": "displayName",
                        "max_length": 80,
                    },
                    {"name": "joined_at", "rust_type": "NaiveDateTime", "sql_type": "Timestamp"},
                ],
                "derives": ["Debug", "Queryable", "Selectable", "Identifiable", "Insertable"],
                "check_for_backend": [],
                "insertable": None,
                "changeset": None,
            }
        ],
        "enums": [
            {
                "name": "MembershipRole",
                "variants": [
                    {"name": "Owner", "db_value": "owner"},
                    {"name": "Maintainer", "db_value": "maintainer"},
                    {
                        "name": "ReadOnly",
                        "db_value": "read-only",
                        "doc": "Can look, cannot touch.",
                        "attributes": ['#[db_rename = "read-only"]'],
                    },
                ],
                "derives": ["Debug", "Clone", "Copy", "PartialEq", "Eq", "diesel_derive_enum::DbEnum"],
                "attributes": ['#[ExistingTypePath = "crate::schema::sql_types::MembershipRole"]'],
                "doc": "The role a member has in a team (a Postgres enum type).",
                "sql_type": "MembershipRole",
            }
        ],
        "sql_types": [{"name": "MembershipRole", "db_name": "membership_role", "schema": "org"}],
        "allow_in_same_query": [],
    }


def test_multiple_foreign_keys_from_belongs_to_and_joinable_and_inferred_tables() -> None:
    spec = _spec("relations")
    by_name = {e["name"]: e for e in spec["entities"]}
    assert sorted(by_name) == ["Address", "Customer", "Order", "PaymentMethod"]
    # Customer and PaymentMethod have no table_name: Diesel's snake-case plural is inferred
    assert by_name["Customer"]["table"] == "customers"
    assert by_name["PaymentMethod"]["table"] == "payment_methods"
    assert by_name["Order"] == {
        "name": "Order",
        "table": "orders",
        "fields": [
            {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
            {
                "name": "customer_id",
                "rust_type": "i64",
                "sql_type": "Int8",
                "references": {"table": "customers", "entity": "Customer"},
            },
            {
                "name": "shipping_address_id",
                "rust_type": "i64",
                "sql_type": "Int8",
                "references": {"table": "addresses", "entity": "Address"},
            },
            {"name": "billing_address_id", "rust_type": "Option<i64>", "sql_type": "Int8", "nullable": True},
            {
                "name": "payment_method_id",
                "rust_type": "i64",
                "sql_type": "Int8",
                "references": {"table": "payment_methods", "entity": "PaymentMethod"},
            },
            {"name": "total_cents", "rust_type": "i64", "sql_type": "Int8"},
        ],
        "derives": ["Debug", "Queryable", "Selectable", "Identifiable", "Associations"],
        "check_for_backend": [],
        "relations": [
            {"kind": "belongs_to", "table": "addresses", "entity": "Address", "foreign_key": "shipping_address_id"},
            {"kind": "belongs_to", "table": "customers", "entity": "Customer", "foreign_key": "customer_id"},
            {
                "kind": "belongs_to",
                "table": "payment_methods",
                "entity": "PaymentMethod",
                "foreign_key": "payment_method_id",
            },
        ],
        "insertable": None,
        "changeset": None,
    }
    assert by_name["Address"]["relations"] == [
        {"kind": "has_many", "table": "orders", "entity": "Order", "foreign_key": "shipping_address_id"}
    ]
    assert by_name["PaymentMethod"]["relations"] == [
        {"kind": "has_many", "table": "orders", "entity": "Order", "foreign_key": "payment_method_id"}
    ]
    assert spec["allow_in_same_query"] == [["addresses", "customers", "orders", "payment_methods"]]


def test_nested_modules_give_the_module_path() -> None:
    assert _spec("nested") == {
        "entities": [
            {
                "name": "Product",
                "table": "products",
                "module_path": ["models", "catalog"],
                "fields": [
                    {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
                    {"name": "name", "rust_type": "String", "sql_type": "Text"},
                    {
                        "name": "visibility",
                        "rust_type": "Visibility",
                        "enum": "Visibility",
                        "enum_values": ["Public", "Hidden"],
                        "no_column": True,
                    },
                ],
                "derives": ["Queryable"],
                "check_for_backend": [],
                "doc": "A product in the catalogue.",
                "insertable": None,
                "changeset": None,
            }
        ],
        "enums": [
            {
                "name": "Visibility",
                "variants": [{"name": "Public", "db_value": "Public"}, {"name": "Hidden", "db_value": "Hidden"}],
                "derives": ["Debug", "Clone", "Copy", "PartialEq"],
                "module_path": ["models", "catalog"],
            }
        ],
        "allow_in_same_query": [],
    }


def test_doc_comments_custom_derives_unknown_attributes_missing_table_name_and_changeset_twin() -> None:
    assert _spec("docs") == {
        "entities": [
            {
                "name": "BlogPost",
                "table": "blog_posts",
                "uses": ["validator::Validate"],
                "fields": [
                    {"name": "id", "rust_type": "i64", "sql_type": "Int8", "doc": "Unique identifier"},
                    {
                        "name": "title",
                        "rust_type": "String",
                        "sql_type": "Text",
                        "doc": "Post title (required)",
                        "attributes": ["#[mystery_field]", "#[validate(length(min = 1, max = 200))]"],
                    },
                    {
                        "name": "body",
                        "rust_type": "Option<String>",
                        "sql_type": "Text",
                        "nullable": True,
                        "attributes": ['#[serde(skip_serializing_if = "Option::is_none")]'],
                    },
                ],
                "derives": ["Debug", "Clone", "Queryable", "Serialize", "Deserialize", "PartialEq", "Validate"],
                "attributes": ['#[unknown_attribute(value = "test")]', '#[serde(rename_all = "camelCase")]'],
                "check_for_backend": [],
                "doc": "Represents a blog post in the publishing system\n\nPosts have a title and an optional body.",
                "insertable": None,
                "changeset": {
                    "name": "UpdateBlogPost",
                    "fields": ["title", "body"],
                    "types": {"body": "Option<String>"},
                    "derives": ["AsChangeset", "Deserialize"],
                    "treat_none_as_null": True,
                },
            }
        ],
        "allow_in_same_query": [],
    }


def test_cargo_workspace_finds_schema_rs_and_groups_twins() -> None:
    result = parse_fixture(DIESEL / "workspace")
    assert result.diagnostics == []
    assert result.files == [
        "workspace/crates/api/src/main.rs",
        "workspace/crates/store/src/lib.rs",
        "workspace/crates/store/src/models/mod.rs",
        "workspace/crates/store/src/models/post.rs",
        "workspace/crates/store/src/models/user.rs",
        "workspace/crates/store/src/schema.rs",
    ]
    spec = dump(result.spec)
    post, user = spec["entities"]
    assert [f["name"] for f in post["fields"]] == ["id", "author_id", "title", "body", "published_at"]
    assert post["fields"][1] == {
        "name": "author_id",
        "rust_type": "i32",
        "sql_type": "Int4",
        "references": {"table": "users", "entity": "User"},
    }
    assert post["fields"][2] == {"name": "title", "rust_type": "String", "sql_type": "Varchar", "max_length": 200}
    assert post["fields"][4] == {
        "name": "published_at",
        "rust_type": "Option<DateTime<Utc>>",
        "sql_type": "Timestamptz",
        "nullable": True,
    }
    assert post["relations"] == [{"kind": "belongs_to", "table": "users", "entity": "User", "foreign_key": "author_id"}]
    assert post["insertable"] == {
        "name": "NewPost",
        "fields": ["author_id", "title", "body"],
        "types": {"title": "&'a str", "body": "&'a str"},
        "derives": ["Insertable"],
        "lifetimes": ["'a"],
    }
    assert post["changeset"] is None
    assert user["relations"] == [{"kind": "has_many", "table": "posts", "entity": "Post", "foreign_key": "author_id"}]
    assert user["insertable"] == {
        "name": "NewUser",
        "fields": ["email", "display_name"],
        "derives": ["Debug", "Insertable", "Deserialize"],
    }
    assert user["changeset"] == {
        "name": "UpdateUser",
        "fields": ["email", "display_name"],
        "derives": ["Debug", "Default", "AsChangeset", "Deserialize"],
    }
    assert user["fields"][1] == {
        "name": "email",
        "rust_type": "String",
        "sql_type": "Varchar",
        "max_length": 255,
        "doc": "Login address, unique.",
    }
    assert spec["allow_in_same_query"] == [["posts", "users"]]


def test_schema_only_tables_become_entities_without_models() -> None:
    schema = """
diesel::table! {
    /// Audit trail.
    audit_entries (id) {
        id -> Int8,
        /// What happened.
        action -> Text,
        at -> Nullable<Timestamptz>,
    }
}
"""
    result = parse_sources([], [SourceFile("schema.rs", schema.encode())])
    assert dump(result.spec)["entities"] == [
        {
            "name": "AuditEntry",
            "table": "audit_entries",
            "has_model": False,
            "fields": [
                {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
                {"name": "action", "rust_type": "String", "sql_type": "Text", "doc": "What happened."},
                {
                    "name": "at",
                    "rust_type": "Option<chrono::DateTime<chrono::Utc>>",
                    "sql_type": "Timestamptz",
                    "nullable": True,
                },
            ],
            "derives": [],
            "check_for_backend": [],
            "doc": "Audit trail.",
            "insertable": None,
            "changeset": None,
        }
    ]


def test_print_schema_output_with_local_and_imported_sql_types() -> None:
    """As crates.io's schema.rs: a Ltree type in sql_types, Tsvector from diesel_full_text_search."""
    assert _spec("custom_sql_types") == {
        "entities": [
            {
                "name": "Crate",
                "table": "crates",
                "has_model": False,
                "fields": [
                    {"name": "id", "rust_type": "i32", "sql_type": "Int4", "doc": "The `id` column."},
                    {"name": "textsearchable_index_col", "sql_type": "Tsvector"},
                    {"name": "path", "sql_type": "Ltree"},
                    {"name": "description", "rust_type": "Option<String>", "sql_type": "Varchar", "nullable": True},
                ],
                "derives": [],
                "check_for_backend": [],
                "doc": "Representation of the `crates` table.\n\n(Automatically generated by Diesel.)",
                "relations": [
                    {"kind": "has_many", "table": "crate_owners", "entity": "CrateOwner", "foreign_key": "crate_id"}
                ],
                "insertable": None,
                "changeset": None,
            },
            {
                "name": "CrateOwner",
                "table": "crate_owners",
                "has_model": False,
                "primary_key": ["crate_id", "owner_id", "owner_kind"],
                "fields": [
                    {
                        "name": "crate_id",
                        "rust_type": "i32",
                        "sql_type": "Int4",
                        "references": {"table": "crates", "entity": "Crate"},
                    },
                    {"name": "owner_id", "rust_type": "i32", "sql_type": "Int4"},
                    {"name": "owner_kind", "rust_type": "i32", "sql_type": "Int4"},
                ],
                "derives": [],
                "check_for_backend": [],
                "relations": [{"kind": "belongs_to", "table": "crates", "entity": "Crate", "foreign_key": "crate_id"}],
                "insertable": None,
                "changeset": None,
            },
        ],
        "sql_types": [
            {"name": "Ltree", "db_name": "ltree"},
            {"name": "Tsvector", "path": "diesel_full_text_search::Tsvector"},
        ],
        "allow_in_same_query": [["crate_owners", "crates"]],
    }


def test_two_structs_on_one_table_and_a_multi_line_diesel_attribute() -> None:
    spec = _spec("shared_table")
    crate, narrow = spec["entities"]
    assert (crate["name"], crate["table"], narrow["name"], narrow["table"]) == (
        "Crate",
        "crates",
        "CrateName",
        "crates",
    )
    assert crate["derives"] == ["Debug", "Clone", "Identifiable", "AsChangeset", "HasQuery", "Serialize"]
    assert narrow["fields"] == [{"name": "name", "rust_type": "String", "sql_type": "Text"}]
    assert crate["insertable"] == {
        "name": "NewCrate",
        "fields": ["name", "description", "readme"],
        "types": {"name": "&'a str", "description": "Option<&'a str>", "readme": "Option<&'a str>"},
        "derives": ["Insertable", "AsChangeset", "Default", "Debug"],
        "attributes": ["#[diesel(check_for_backend(diesel::pg::Pg))]"],
        "lifetimes": ["'a"],
        "treat_none_as_null": True,
    }
    assert "enums" not in spec  # OwnerRemoveError carries data: not a database enum


def test_keyword_columns_use_raw_identifiers() -> None:
    (item,) = _spec("keywords")["entities"]
    assert item["fields"] == [
        {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
        {"name": "type", "rust_type": "String", "sql_type": "Text"},
        {"name": "match", "rust_type": "Option<i32>", "sql_type": "Int4", "nullable": True, "sql_name": "match"},
    ]


def test_builder_twin_keeps_field_attributes_and_path_parents() -> None:
    (version,) = _spec("builder_twin")["entities"]
    assert version["relations"] == [
        {"kind": "belongs_to", "table": "crates", "entity": "Crate", "foreign_key": "crate_id"},
        {"kind": "belongs_to", "table": "versions", "entity": "Version", "foreign_key": "id"},
        {"kind": "has_many", "table": "versions", "entity": "Version", "foreign_key": "id"},
    ]
    assert version["insertable"] == {
        "name": "NewVersion",
        "fields": ["crate_id", "num", "num_no_build", "tar_sha256", "bin_names"],
        "types": {
            "num": "&'a str",
            "num_no_build": "&'a str",
            "tar_sha256": "&'a [u8]",
            "bin_names": "Option<&'a [&'a str]>",
        },
        "derives": ["Insertable", "Debug", "Builder"],
        "attributes": ["#[diesel(check_for_backend(diesel::pg::Pg))]"],
        "field_attributes": {
            "crate_id": ["#[builder(start_fn)]"],
            "num": ["#[builder(start_fn)]"],
            "num_no_build": ["#[builder(default = strip_build_metadata(num))]"],
        },
        "lifetimes": ["'a"],
    }
    assert version["fields"][5] == {
        "name": "zip_sha256",
        "rust_type": "Option<Vec<u8>>",
        "sql_type": "Bytea",
        "nullable": True,
        "doc": "SHA256 checksum of the zip source archive,\nor `None` if it has not been built yet.",
    }


def test_diesel_derives_and_options_behind_cfg_attr() -> None:
    (person,) = _spec("cfg_attr")["entities"]
    assert {k: person[k] for k in ("table", "derives", "cfg_attr", "cfg_derives", "attributes_before_derive")} == {
        "table": "person",
        "derives": ["Clone", "PartialEq", "Eq", "Debug", "Serialize", "Deserialize"],
        "cfg_attr": 'feature = "full"',
        "cfg_derives": ["Queryable", "Selectable", "Identifiable", "TS"],
        "attributes_before_derive": ["#[skip_serializing_none]"],
    }
    assert person["check_for_backend"] == ["diesel::pg::Pg"]
    assert person["attributes"] == ['#[cfg_attr(feature = "full", ts(export))]']
    assert person["fields"][2] == {
        "name": "display_name",
        "rust_type": "Option<String>",
        "sql_type": "Text",
        "nullable": True,
        "attributes": ['#[cfg_attr(feature = "full", ts(optional))]'],
    }
    assert person["insertable"] == {
        "name": "NewPerson",
        "fields": ["name", "display_name"],
        "derives": ["Clone", "derive_new::new"],
        "cfg_attr": 'feature = "full"',
        "cfg_derives": ["Insertable", "AsChangeset"],
        "attributes": ['#[cfg_attr(feature = "full", diesel(check_for_backend(diesel::pg::Pg)))]'],
        "field_attributes": {"display_name": ["#[new(default)]"]},
    }


def test_db_enum_behind_cfg_attr() -> None:
    (enum,) = _spec("cfg_attr_enum")["enums"]
    assert enum == {
        "name": "ListingType",
        "variants": [
            {
                "name": "All",
                "db_value": "All",
                "doc": "Content from your own site, as well as all connected / federated sites.",
            },
            {"name": "Local", "db_value": "Local", "attributes": ["#[default]"]},
            {"name": "ModeratorView", "db_value": "ModeratorView"},
        ],
        "derives": [
            "EnumString",
            "Display",
            "Debug",
            "Serialize",
            "Deserialize",
            "Clone",
            "Copy",
            "PartialEq",
            "Eq",
            "Hash",
            "Default",
        ],
        "cfg_attr": 'feature = "full"',
        "cfg_derives": ["DbEnum", "TS"],
        "attributes": [
            '#[cfg_attr(feature = "full", ExistingTypePath = "crate::schema::sql_types::ListingTypeEnum")]',
            '#[cfg_attr(feature = "full", DbValueStyle = "verbatim")]',
        ],
        "doc": "A listing type for post and comment list fetches.",
        "sql_type": "ListingTypeEnum",
    }
