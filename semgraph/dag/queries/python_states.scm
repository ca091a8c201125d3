; Enum classes, transition sites, transition tables and constants in Python.
(class_definition name: (identifier) @enum.name superclasses: (argument_list) @enum.bases body: (block) @enum.body) @enum
(case_clause (case_pattern) @source consequence: (block) @target) @arm
(if_statement condition: (_) @source consequence: (block) @target) @branch
(elif_clause condition: (_) @source consequence: (block) @target) @branch
(dictionary (pair key: (_) @source value: (_) @target) @table)
(assignment left: (identifier) @const.name right: (_) @const.value) @const
(function_definition name: (identifier) @fn.name body: (block) @fn.body) @fn
(class_definition name: (identifier) @plain.name body: (block) @plain.body) @plain
