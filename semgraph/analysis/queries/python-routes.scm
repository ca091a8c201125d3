; Calls whose first argument is a string literal: Django path()/re_path()/url(),
; argparse add_parser(...). The argument list is captured whole and read in Python.
(call
  function: (_) @fn
  arguments: (argument_list . (string) @first) @args) @call

; if __name__ == "__main__": ... (the script entry)
(if_statement
  condition: (comparison_operator (identifier) @name_var (string) @main_str)
  consequence: (block) @main_body) @main_guard
