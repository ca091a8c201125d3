; Calls for JavaScript, TypeScript and TSX.
(call_expression) @call
(new_expression) @call
