; @branch: +1 complexity; @nest: a control block for max_nesting; @arm: a switch/select case (+1 unless first).
(if_statement) @branch @nest
(for_statement) @branch @nest
(expression_switch_statement) @nest
(type_switch_statement) @nest
(select_statement) @nest
(expression_case) @arm
(type_case) @arm
(default_case) @arm
(communication_case) @arm
(binary_expression operator: "&&") @branch
(binary_expression operator: "||") @branch
