; Stated types of receivers, parameters and locals, for typed call resolution: `(a *App)`, `c *core.Core`,
; `x := &T{..}` / `x := T{..}`, `x := F(..)` (what F returns), `var x T` (all scoped to the enclosing function or method).
(parameter_declaration name: (identifier) type: (_)) @type.param
(short_var_declaration left: (expression_list . (identifier)) right: (expression_list . (composite_literal))) @type.local
(short_var_declaration left: (expression_list . (identifier)) right: (expression_list . (unary_expression operand: (composite_literal)))) @type.local
(short_var_declaration left: (expression_list . (identifier)) right: (expression_list . (call_expression))) @type.local
(var_spec name: (identifier) type: (_)) @type.var
