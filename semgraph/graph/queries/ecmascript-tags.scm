; Definitions shared by JavaScript, TypeScript and TSX (composed with javascript-tags / typescript-tags).
; Capture names: @def.<kind> on the definition node.
(function_declaration) @def.function
(generator_function_declaration) @def.function
(class_declaration) @def.class
(class_body (method_definition) @def.function)
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
; handlers in an object a factory returns: `export const authController = (svc) => ({ signin: async (req, reply) => … })`
(arrow_function body: (parenthesized_expression (object
  (pair key: (property_identifier) value: [(arrow_function) (function_expression)]) @def.closure)))
(return_statement (object
  (pair key: (property_identifier) value: [(arrow_function) (function_expression)]) @def.closure))
; a handler wrapped by a helper: `const register = catchAsync(async (req, res) => { … })`
(variable_declarator
  name: (identifier)
  value: (call_expression arguments: (arguments . [(arrow_function) (function_expression)]))) @def.closure
; CommonJS export of a wrapped handler: exports.create = async(function* (req, res) { … })
(program (expression_statement (assignment_expression
  left: (member_expression object: (identifier) @_exports property: (property_identifier))
  right: (call_expression arguments: (arguments . [(function_expression) (arrow_function) (generator_function)]))) @def.exported)
  (#eq? @_exports "exports"))
