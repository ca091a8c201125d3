; Items the Diesel model parser reads: model structs, enums and macro calls
; (table!, joinable!, allow_tables_to_appear_in_same_query!) at any depth.
(struct_item name: (type_identifier) @struct.name) @struct
(enum_item name: (type_identifier) @enum.name) @enum
(macro_invocation macro: (_) @macro.name (token_tree) @macro.body) @macro
(use_declaration argument: (_) @use.path)
((line_comment) @comment (#match? @comment "^// semgraph:(action|module) "))
(type_item name: (type_identifier) @type.name) @type
