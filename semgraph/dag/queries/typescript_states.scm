; String-literal unions, enums, switch/if transition sites, transition maps and constants in TypeScript.
(type_alias_declaration name: (type_identifier) @union.name value: (union_type) @union.body) @union
(enum_declaration name: (identifier) @enum.name body: (enum_body) @enum.body) @enum
(switch_case value: (_) @source) @arm
(if_statement condition: (_) @source consequence: (_) @target) @branch
(object (pair key: (_) @source value: (_) @target) @table)
(variable_declarator name: (identifier) @const.name value: (_) @const.value) @const
(function_declaration name: (identifier) @fn.name body: (statement_block) @fn.body) @fn
(method_definition name: (property_identifier) @fn.name body: (statement_block) @fn.body) @fn
(switch_default) @default_arm
