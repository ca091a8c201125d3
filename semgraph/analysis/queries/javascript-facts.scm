(if_statement condition: (parenthesized_expression) @cond consequence: (_) @body) @guard
(throw_statement) @raise
(return_statement) @return
[(for_statement) (for_in_statement) (while_statement) (do_statement)] @loop
[(string) (template_string)] @string
(call_expression function: (_) @callee arguments: (arguments) @call_args) @call
