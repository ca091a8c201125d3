; Facts the analyses read from a function body.
(if_statement condition: (_) @cond consequence: (block) @body) @guard
(elif_clause condition: (_) @cond consequence: (block) @body) @guard
(raise_statement) @raise
(return_statement) @return
[(for_statement) (while_statement)] @loop
(string) @string
(call function: (_) @callee arguments: (argument_list) @call_args) @call
