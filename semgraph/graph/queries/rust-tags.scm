; Definitions. Capture names: @def.<kind> on the definition node.
(function_item) @def.function
(function_signature_item) @def.function
(struct_item) @def.struct
(union_item) @def.struct
(enum_item) @def.enum
(trait_item) @def.trait
(impl_item) @def.impl
(mod_item body: (declaration_list)) @def.module
(const_item) @def.constant
(static_item) @def.constant
(type_item) @def.type_alias
(associated_type) @def.type_alias
(macro_definition) @def.macro
(field_declaration_list (field_declaration) @def.field)
(enum_variant) @def.field
(let_declaration pattern: (identifier) value: (closure_expression)) @def.closure
; Diesel's `table!` / `diesel::table!` defines a module named after the table (its columns inside)
((macro_invocation macro: (_) @_table) @def.table
  (#match? @_table "^(diesel::)?table$"))
