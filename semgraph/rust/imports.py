"""Names generated code imports by itself: library types (name -> use path) and the std prelude.

The generator adds these ``use`` lines on its own; the parser records a struct's other
imported names (project types such as newtype IDs) in the entity's ``uses``.
"""

from __future__ import annotations

IMPORTS: dict[str, str] = {
    "NaiveDateTime": "chrono::NaiveDateTime",
    "NaiveDate": "chrono::NaiveDate",
    "NaiveTime": "chrono::NaiveTime",
    "DateTime": "chrono::DateTime",
    "Utc": "chrono::Utc",
    "Uuid": "uuid::Uuid",
    "Value": "serde_json::Value",
    "JsonValue": "serde_json::Value as JsonValue",
    "BigDecimal": "bigdecimal::BigDecimal",
    "IpNetwork": "ipnetwork::IpNetwork",
    "Bound": "std::ops::Bound",
    "HashMap": "std::collections::HashMap",
    "PgInterval": "diesel::pg::data_types::PgInterval",
    "PgMoney": "diesel::pg::data_types::PgMoney",
    "Serialize": "serde::Serialize",
    "Deserialize": "serde::Deserialize",
    "DbEnum": "diesel_derive_enum::DbEnum",
    "Debug": "std::fmt::Debug",
}
PRELUDE = {"Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash", "Default", "PartialOrd", "Ord"}

# names every Rust file has in scope (std prelude, primitives) and the derives diesel::prelude::* brings
IN_SCOPE = {
    *PRELUDE,
    *("bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128"),
    *("isize", "f32", "f64", "Self", "String", "Vec", "Option", "Box", "Result", "Some", "None", "Ok", "Err"),
    *("Queryable", "Selectable", "Insertable", "AsChangeset", "Identifiable", "Associations", "QueryableByName"),
    *("HasQuery", "diesel", "table_name", "primary_key", "belongs_to", "check_for_backend", "column_name"),
}
