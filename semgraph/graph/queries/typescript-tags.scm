; Definitions only TypeScript / TSX has (the rest: ecmascript-tags.scm).
(function_signature) @def.function
(abstract_class_declaration) @def.class
(interface_declaration) @def.interface
(type_alias_declaration) @def.type_alias
(enum_declaration) @def.enum
(enum_body (property_identifier) @def.variant)
(enum_body (enum_assignment) @def.variant)
(class_body (method_signature) @def.function)
(class_body (abstract_method_signature) @def.function)
(class_body (public_field_definition) @def.field)
(interface_body (method_signature) @def.function)
(interface_body (property_signature) @def.field)
; namespace A.B { … } / declare module "m" { … }: nested MODULE symbols
(internal_module name: (_)) @def.namespace
(module name: (_)) @def.namespace
