; members of a class body (the caller keeps those whose parent is the body it asked for)
(expression_statement
  (assignment
    left: (identifier) @field.name
    right: (call
      function: (_) @field.func
      arguments: (argument_list) @field.args))) @field

(expression_statement
  (assignment
    left: (identifier) @attr.name
    right: (_) @attr.value)) @attr

(function_definition
  name: (identifier) @method.name) @method

(decorated_definition
  definition: (function_definition name: (identifier) @decorated.name)) @decorated

(class_definition
  name: (identifier) @inner.name
  body: (block) @inner.body) @inner
