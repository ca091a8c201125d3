(method_invocation) @call
(object_creation_expression) @call
(explicit_constructor_invocation) @call
