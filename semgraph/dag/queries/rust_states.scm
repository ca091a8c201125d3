; State enums, transition sites and helper functions in Rust.
(enum_item name: (type_identifier) @enum.name body: (enum_variant_list) @enum.body) @enum
(match_arm pattern: (match_pattern) @source value: (_) @target) @arm
(if_expression condition: (_) @source consequence: (block) @target) @branch
(function_item name: (identifier) @fn.name body: (block) @fn.body) @fn
(use_declaration argument: (use_wildcard) @use.glob) @use
