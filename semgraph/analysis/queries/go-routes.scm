; http.HandleFunc("/path", handler), r.GET("/path", handler) (gin/echo/chi)
(call_expression
  function: (selector_expression operand: (_) @obj field: (field_identifier) @method)
  arguments: (argument_list . (interpreted_string_literal) @first) @args) @call

; gin r.Match([]string{"GET", "HEAD"}, "/health", handler)
(call_expression
  function: (selector_expression operand: (_) @obj field: (field_identifier) @method)
  arguments: (argument_list . (composite_literal) @verbs . (interpreted_string_literal) @first) @args) @call
