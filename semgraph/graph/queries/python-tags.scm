; Definitions. Capture names: @def.<kind> on the definition node.
(function_definition name: (identifier)) @def.function
(class_definition name: (identifier)) @def.class
(module (expression_statement (assignment left: (identifier)) @def.variable))
(class_definition body: (block (expression_statement (assignment left: (identifier)) @def.field)))
(block (expression_statement (assignment left: (identifier) right: (lambda)) @def.lambda))
(type_alias_statement) @def.type_alias
