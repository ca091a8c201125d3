; @branch: +1 complexity; @nest: a control block for max_nesting; @arm: a switch arm (+1 unless first).
(if_statement) @branch @nest
(for_statement) @branch @nest
(enhanced_for_statement) @branch @nest
(while_statement) @branch @nest
(do_statement) @branch @nest
(try_statement) @nest
(try_with_resources_statement) @nest
(catch_clause) @branch
(switch_expression) @nest
(switch_block_statement_group) @arm
(switch_rule) @arm
(ternary_expression) @branch
(binary_expression operator: "&&") @branch
(binary_expression operator: "||") @branch
