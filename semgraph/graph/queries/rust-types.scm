; Stated types of locals and parameters, for typed call resolution: `let x: T`, `let x = T { .. }`,
; `let x = T::make(..)` (kept only when `make` is declared to return Self / T), `fn f(x: &T)`.
(let_declaration pattern: (identifier) type: (_)) @type.let
(let_declaration pattern: (identifier) value: (struct_expression)) @type.let
(let_declaration pattern: (identifier) value: (call_expression function: (scoped_identifier))) @type.let
(parameter pattern: (identifier) type: (_)) @type.param
