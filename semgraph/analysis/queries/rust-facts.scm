(if_expression condition: (_) @cond consequence: (block) @body) @guard
(return_expression) @return
(call_expression function: (identifier) @err_fn arguments: (arguments) @err_args) @maybe_err
(macro_invocation macro: (identifier) @macro_name) @macro
[(for_expression) (while_expression) (loop_expression)] @loop
(string_literal) @string
(unsafe_block) @unsafe
(call_expression function: (_) @callee arguments: (arguments) @call_args) @call
