; @branch: +1 complexity; @nest: a control block for max_nesting; @arm: a match arm (+1 unless first).
(if_statement) @branch @nest
(elif_clause) @branch
(for_statement) @branch @nest
(while_statement) @branch @nest
(try_statement) @nest
(except_clause) @branch
(match_statement) @nest
(case_clause) @arm
(boolean_operator) @branch
(conditional_expression) @branch
(for_in_clause) @branch
(if_clause) @branch
