; @branch: +1 complexity; @nest: a control block for max_nesting; @arm: a match arm (+1 unless first).
; The `?` operator is deliberately absent.
(if_expression) @branch @nest
(while_expression) @branch @nest
(loop_expression) @branch @nest
(for_expression) @branch @nest
(match_expression) @nest
(match_arm) @arm
(binary_expression operator: "&&") @branch
(binary_expression operator: "||") @branch
