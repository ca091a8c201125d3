(if_statement condition: (_) @cond consequence: (block) @body) @guard
(return_statement) @return
(for_statement) @loop
[(interpreted_string_literal) (raw_string_literal)] @string
(call_expression function: (_) @callee arguments: (argument_list) @call_args) @call
