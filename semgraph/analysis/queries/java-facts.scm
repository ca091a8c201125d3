(if_statement condition: (parenthesized_expression) @cond consequence: (_) @body) @guard
(throw_statement) @raise
(return_statement) @return
[(for_statement) (enhanced_for_statement) (while_statement) (do_statement)] @loop
(string_literal) @string
(method_invocation name: (identifier) @callee arguments: (argument_list) @call_args) @call
