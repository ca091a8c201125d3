(call_expression) @call
