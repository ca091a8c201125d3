; Definitions (TypeScript / TSX). Capture names: @def.<kind> on the definition node.
(function_declaration) @def.function
(generator_function_declaration) @def.function
(function_signature) @def.function
(class_declaration) @def.class
(abstract_class_declaration) @def.class
(interface_declaration) @def.interface
(type_alias_declaration) @def.type_alias
(enum_declaration) @def.enum
(enum_body (property_identifier) @def.variant)
(enum_body (enum_assignment) @def.variant)
(class_body (method_definition) @def.function)
(class_body (method_signature) @def.function)
(class_body (abstract_method_signature) @def.function)
(class_body (public_field_definition) @def.field)
(interface_body (method_signature) @def.function)
(interface_body (property_signature) @def.field)
(variable_declarator
  name: (identifier)
  value: [(arrow_function) (function_expression) (generator_function)]) @def.closure
(program (lexical_declaration (variable_declarator name: (identifier)) @def.variable))
(program (variable_declaration (variable_declarator name: (identifier)) @def.variable))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier)) @def.variable)))
(program (export_statement declaration: (variable_declaration (variable_declarator name: (identifier)) @def.variable)))
; CommonJS: exports.f = function … / module.exports.f = (…) => …
(program (expression_statement (assignment_expression
  left: (member_expression object: (identifier) @_exports property: (property_identifier))
  right: [(function_expression) (arrow_function) (generator_function)]) @def.exported)
  (#eq? @_exports "exports"))
(program (expression_statement (assignment_expression
  left: (member_expression
    object: (member_expression object: (identifier) @_module property: (property_identifier) @_exports)
    property: (property_identifier))
  right: [(function_expression) (arrow_function) (generator_function)]) @def.exported)
  (#eq? @_module "module")
  (#eq? @_exports "exports"))
; namespace A.B { … } / declare module "m" { … }: nested MODULE symbols
(internal_module name: (_)) @def.namespace
(module name: (_)) @def.namespace
